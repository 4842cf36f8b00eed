"""The shapes of page sessions (routes_sessions.py): a reloaded page resumes with a cookie."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from entrypoints.common.schemas import Guest, Input, Output, RoomIdText

COOKIE = (
    "The answer sets the `securechat_session` cookie: HttpOnly, SameSite=Strict, "
    "Path=/session, Secure over HTTPS, Max-Age SECURECHAT_SESSION_COOKIE_TTL (default 7 days)."
)


class StartSession(Input):
    room_id: Annotated[RoomIdText, Meta(description="The room the page is in.")]


class SessionBody(Input):
    """No field: the cookie is the credential. The body must still be `{}` as
    application/json (a form or a plain-text POST from another site is refused)."""


class SessionStarted(Output):
    room_id: str
    user_id: str
    username: str
    expires_in: Annotated[int, Meta(description="Seconds the cookie lasts unused.")]


class SessionResumed(Output):
    room_id: str
    user_id: str
    username: str
    guest: Guest
    role: Annotated[
        str,
        Meta(
            description="`member` or `admin` (a creator's admin token, or an admin member).",
            extra_json_schema={"enum": ["admin", "member"]},
        ),
    ]
    token_kind: Annotated[
        str,
        Meta(
            description="`room`: `token` is a room token (a guest's, or an admin token); "
            "`user`: a user access token of the sign-in the session continues.",
            extra_json_schema={"enum": ["room", "user"]},
        ),
    ]
    token: str
    expires_in: Annotated[int, Meta(description="Seconds `token` lives.")]
    refresh_token: Annotated[
        str | None,
        Meta(
            description="For `user`: the sign-in's next refresh token (single use, as "
            "/auth/login's); null for `room`."
        ),
    ]


class SessionEnded(Output):
    ended: Annotated[bool, Meta(description="Whether a live session was ended.")]
