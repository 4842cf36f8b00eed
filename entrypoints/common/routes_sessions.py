"""Page sessions: their entries of the route table (views in views_sessions.py). A page
starts one for the room it is in and resumes it after a reload; the credential is an
HttpOnly cookie the page never sees (session_cookie.py)."""

from __future__ import annotations

from entrypoints.common.http_types import Reply, Route
from entrypoints.common.route_errors import MALFORMED, NOT_GRANTED, TOO_LARGE, UNAUTHORIZED
from entrypoints.common.schemas_sessions import (
    COOKIE,
    SessionBody,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    StartSession,
)
from entrypoints.common.views_sessions import (
    end_session_view,
    resume_session_view,
    start_session_view,
)

CROSS_ORIGIN = (
    "An Origin other than this server's own, or a Sec-Fetch-Site other than same-origin "
    "(`origin_not_allowed`): page sessions are for this server's own page."
)
JSON_ONLY = MALFORMED + " The body must be `{}` as application/json."

START_SESSION = Route(
    "POST",
    "/session/start",
    "start_session",
    start_session_view,
    body=StartSession,
    summary="Start a page session for the bearer's identity in a room its token grants "
    "(a guest's room token, a creator's admin token, or a user token): what a reload "
    "resumes. " + COOKIE,
    ok=Reply(201, "Started; the cookie is set.", SessionStarted),
    errors={
        400: MALFORMED,
        401: UNAUTHORIZED,
        403: NOT_GRANTED + " " + CROSS_ORIGIN + " Kicked (`kicked`) or banned (`banned`).",
        413: TOO_LARGE,
    },
    bearer=True,
    cookie=True,
)


RESUME_SESSION = Route(
    "POST",
    "/session/resume",
    "resume_session",
    resume_session_view,
    body=SessionBody,
    summary="Resume the page session of the `securechat_session` cookie: the room, the "
    "identity and a fresh token (for a room's creator, its admin token again). The cookie "
    "is spent and a new one set; a spent cookie presented again revokes the session and "
    "the sign-in it continues. A refusal clears the cookie. " + COOKIE,
    ok=Reply(200, "Resumed; the next cookie is set.", SessionResumed),
    errors={
        400: JSON_ONLY,
        401: "No cookie, or one that is malformed, unknown, expired, ended or spent "
        "(`invalid_session`); the room deleted, its password changed, the admin token "
        "rotated or the sign-in revoked (`unauthorized`); the guest session over "
        "(`session_expired`).",
        403: CROSS_ORIGIN + " Kicked (`kicked`), banned (`banned`), an address the room "
        "no longer admits (`ip_not_verified`), or a user no longer granted the room "
        "(`forbidden`).",
        413: TOO_LARGE,
    },
    cookie=True,
)


END_SESSION = Route(
    "POST",
    "/session/end",
    "end_session",
    end_session_view,
    body=SessionBody,
    summary="End the page session of the `securechat_session` cookie (any cookie it "
    "issued, spent or not) and clear the cookie. Without one: nothing to end.",
    ok=Reply(200, "Ended (or nothing to end); the cookie is cleared.", SessionEnded),
    errors={400: JSON_ONLY, 403: CROSS_ORIGIN, 413: TOO_LARGE},
    cookie=True,
)
