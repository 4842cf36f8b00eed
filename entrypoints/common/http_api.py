"""The REST API, runtime-neutral: requests in, responses (and events to emit) out.

`ROUTES` is the one table of the REST surface. Each runtime registers it in a loop: it turns
its framework's request into an HttpRequest, runs `answer` in the route's lane, passes a
`Batched` send through its batcher, writes the HttpResponse and emits its events after the
commit. Each entry names the schemas of its body and query (schemas.py), which `answer`
decodes before the view runs, and what it answers; openapi.py documents the table. Adding a
route means a view here, its schemas and an entry in `ROUTES`, nothing per runtime.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from msgspec import UNSET, Struct

from domain.model.accounts import RefreshTokenReused
from domain.model.errors import ChatError, ErrorCode, Forbidden
from domain.model.events import Event
from domain.model.policies import Claims, UserTokenClaims
from domain.model.profiles import PublicProfile
from domain.usecases import accounts, profiles
from domain.usecases.access import authenticate, verify_token
from domain.usecases.create_room import create_room
from domain.usecases.deps import Deps
from domain.usecases.join_as_member import join_as_member
from domain.usecases.read_history import read_history
from domain.usecases.send_message import SendCommand
from domain.usecases.verify_room import verify_room_password
from entrypoints.common import docs_page, openapi
from entrypoints.common.batching import Batched, SendResult
from entrypoints.common.errors import INTERNAL, RequestError, render
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import LOGIN_LIMITS, PASSWORD_LIMITS, SIGNUP_LIMITS, Limit
from entrypoints.common.payloads import bearer_token, decode, decode_query, parse_json_object
from entrypoints.common.schemas import (
    CreateProfile,
    CreateRoom,
    GuestSignedIn,
    Input,
    Joined,
    JoinRoom,
    Login,
    MessagePage,
    MessagePosted,
    MessagesQuery,
    NoQuery,
    PostMessage,
    Profile,
    ProfileUpdated,
    RefreshTokenBody,
    Register,
    RoomAccess,
    RoomCreated,
    SignedIn,
    SignedOut,
    UpdateProfile,
    VerifyRoom,
)
from entrypoints.common.shapes import encode_json, message_json
from entrypoints.common.socket_api import SOCKET_EVENTS

log = logging.getLogger("securechat.http")
T = TypeVar("T")
S = TypeVar("S", bound=Struct)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]  # case-insensitive mapping from the framework
    body: bytes = b""
    peer: str = ""  # the TCP peer's address (edge.client_address finds the client from it)


@dataclass(slots=True)
class HttpResponse:
    """A JSON answer (a dict `body`), or raw bytes (the docs page and its assets), which then
    carry their own Content-Type in `headers`."""

    status: int
    body: dict[str, Any] | bytes
    events: list[Event] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else encode_json(self.body)


def _body(request: HttpRequest, schema: type[S]) -> S:
    data = parse_json_object(request.headers.get("Content-Type"), request.body)
    return decode(schema, data)


def create_room_view(
    deps: Deps, request: HttpRequest, _: None, data: CreateRoom, __: NoQuery
) -> Answer:
    out = create_room(deps, data.room_id, data.password)
    body = {"room_id": out.value.room_id, "admin_token": out.value.admin_token}
    return HttpResponse(201, body, out.events)


def verify_room_view(
    deps: Deps, request: HttpRequest, _: None, data: VerifyRoom, __: NoQuery
) -> Answer:
    out = verify_room_password(deps, request.path_params["room_id"], data.password, data.username)
    access = out.value
    body = {
        "token": access.token,
        "expires_in": access.expires_in,
        "user_id": access.user_id,
        "username": access.username,
    }
    return HttpResponse(200, body, out.events)


def join_member_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: JoinRoom, _: NoQuery
) -> Answer:
    """A user joins a room with its password; its token alone grants the room from then on."""
    if not isinstance(claims, UserTokenClaims):
        # A room token is a grant of its own, for one guest in one room: no member is made.
        raise Forbidden(ErrorCode.FORBIDDEN, "joining as a member takes a user token")
    out = join_as_member(deps, claims, request.path_params["room_id"], data.password)
    member = out.value
    body = {"room_id": member.room_id, "user_id": member.user_id, "role": member.role.value}
    return HttpResponse(200, body, out.events)


def post_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: PostMessage, _: NoQuery
) -> Answer:
    """A post, authenticated and parsed; the send itself goes through the runtime's batcher."""
    command = SendCommand(claims, request.path_params["room_id"], data.message, data.user_id)
    return Batched(command, post_message_response)


def post_message_response(result: SendResult) -> HttpResponse:
    if isinstance(result, ChatError):
        return error_response(result)
    if result is None:
        return HttpResponse(500, dict(INTERNAL))
    return HttpResponse(201, {"message_id": result.value.id}, result.events)


def list_messages_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, query: MessagesQuery
) -> Answer:
    out = read_history(
        deps, claims, request.path_params["room_id"], query.limit, query.before or None
    )
    page = out.value
    body = {"messages": [message_json(m) for m in page.messages], "next_before": page.next_before}
    return HttpResponse(200, body)


def register_view(deps: Deps, request: HttpRequest, _: None, data: Register, __: NoQuery) -> Answer:
    out = accounts.register(deps, data.username, data.password)
    return HttpResponse(201, _signed_in(out.value), out.events)


def login_view(deps: Deps, request: HttpRequest, _: None, data: Login, __: NoQuery) -> Answer:
    out = accounts.login(deps, data.username, data.password)
    return HttpResponse(200, _signed_in(out.value), out.events)


def refresh_view(
    deps: Deps, request: HttpRequest, _: None, data: RefreshTokenBody, __: NoQuery
) -> Answer:
    out = accounts.refresh(deps, data.refresh_token)
    return HttpResponse(200, _signed_in(out.value), out.events)


def logout_view(
    deps: Deps, request: HttpRequest, _: None, data: RefreshTokenBody, __: NoQuery
) -> Answer:
    out = accounts.logout(deps, data.refresh_token)
    return HttpResponse(200, {"revoked": True}, out.events)


def _signed_in(signed: accounts.SignedIn) -> dict[str, Any]:
    return {
        "user_id": signed.user_id,
        "username": signed.username,
        "access_token": signed.access_token,
        "refresh_token": signed.refresh_token,
        "expires_in": signed.expires_in,
    }


def create_profile_view(
    deps: Deps, request: HttpRequest, _: None, data: CreateProfile, __: NoQuery
) -> Answer:
    out = profiles.create_guest(deps, data.user_id, data.username, data.avatar)
    signed = _signed_in(out.value.signed_in)
    return HttpResponse(201, _profile(out.value.profile) | signed, out.events)


def get_profile_view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
    out = profiles.get_profile(deps, request.path_params["user_id"])
    return HttpResponse(200, _profile(out.value), out.events)


def update_profile_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: UpdateProfile, _: NoQuery
) -> Answer:
    out = profiles.update_profile(
        deps,
        claims,
        request.path_params["user_id"],
        profiles.KEEP if data.username is UNSET else data.username,
        profiles.KEEP if data.avatar is UNSET else data.avatar,
    )
    updated = out.value
    body = _profile(updated.profile)
    body |= {"access_token": updated.access_token, "expires_in": updated.expires_in}
    return HttpResponse(200, body, out.events)


def _profile(profile: PublicProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "username": profile.username,
        "avatar": profile.avatar,
        "guest": profile.guest,
    }


def openapi_view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
    return HttpResponse(200, served_document(), headers=dict(openapi.HEADERS))


@functools.cache
def served_document() -> dict[str, Any]:
    """The OpenAPI document of this server: `ROUTES` and the socket events' payloads."""
    return openapi.document(ROUTES, SOCKET_EVENTS)


def docs_view(name: str) -> View:
    """The view of one file of the docs page (docs_page.py)."""

    def view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
        asset = docs_page.asset(name)
        return HttpResponse(200, asset.content, headers=dict(asset.headers))

    return view


Answer = HttpResponse | Batched[HttpResponse]
# A view is given the request, the claims of its bearer token (a `bearer` route; else None),
# its body as the route's `body` schema (None for a route without one) and its query as the
# route's `query` schema.
View = Callable[[Deps, HttpRequest, Any, Any, Any], Answer]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a route answers on success, for the OpenAPI document."""

    status: int
    description: str
    schema: type[Struct] | None = None  # a JSON body of this shape
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Route:
    """One REST endpoint: its view, the lane it runs in (see lanes.py), the schemas of its
    input, and what it answers (openapi.py documents the table)."""

    method: str
    rule: str  # werkzeug syntax, understood by Flask and Quart alike
    endpoint: str
    view: View
    lane: Lane = Lane.WORKER
    body: type[Input] | None = None
    query: type[Input] = NoQuery
    summary: str = ""
    ok: Reply = Reply(200, "OK.")
    errors: Mapping[int, str] = field(default_factory=dict)  # status -> when
    bearer: bool = False  # `Authorization: Bearer <token>`, checked before anything else
    limits: tuple[Limit, ...] = ()  # counted before anything else runs (limits.py)


MALFORMED = (
    "Malformed JSON, wrong content type, a missing, mistyped or unexpected field, or a value "
    "that breaks a rule (see `code`)."
)
TOO_LARGE = "The request body is over SECURECHAT_MAX_REQUEST_BYTES (`payload_too_large`)."
UNAUTHORIZED = (
    "No, expired, forged or revoked token (`unauthorized`); a user token of a sign-in that "
    "was logged out or whose refresh token was replayed is revoked."
)
NOT_GRANTED = (
    "A valid token that does not grant this room (`forbidden`): a room token of another "
    "room, or a user token whose user has not joined this room (`POST /chat/{room_id}/join`)."
)
LIMITED = "Too many attempts from this address, or on this room (`rate_limited`): see Retry-After."
NOT_A_SEGMENT = "The room id is not one path segment (`not_found`)."

ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/room/create",
        "create_room",
        create_room_view,
        Lane.PASSWORD,
        body=CreateRoom,
        summary="Create a room; the creator gets an admin token.",
        ok=Reply(201, "Created.", RoomCreated),
        errors={
            429: LIMITED,
            400: MALFORMED,
            409: "A room with this id exists (`room_exists`); rooms are never overwritten.",
            413: TOO_LARGE,
        },
        limits=SIGNUP_LIMITS,
    ),
    Route(
        "POST",
        "/chat/<room_id>/verify",
        "verify_room",
        verify_room_view,
        Lane.PASSWORD,
        body=VerifyRoom,
        summary="Trade the room password for a short-lived room token and a new guest identity.",
        ok=Reply(200, "Verified.", RoomAccess),
        errors={
            429: LIMITED,
            400: MALFORMED,
            401: "Wrong password (`bad_password`).",
            404: "No such room (`room_not_found`), or the room id is not one path segment.",
            409: "The chosen username is held by an account or a guest profile (`username_taken`).",
            413: TOO_LARGE,
        },
        limits=PASSWORD_LIMITS,
    ),
    Route(
        "POST",
        "/auth/register",
        "register",
        register_view,
        Lane.PASSWORD,
        body=Register,
        summary="Create an account and sign in: an access token and a refresh token.",
        ok=Reply(201, "Registered and signed in.", SignedIn),
        errors={
            429: LIMITED,
            400: MALFORMED,
            409: "The name is taken, in any spelling that folds to the same (`username_taken`).",
            413: TOO_LARGE,
        },
        limits=SIGNUP_LIMITS,
    ),
    Route(
        "POST",
        "/auth/login",
        "login",
        login_view,
        Lane.PASSWORD,
        body=Login,
        summary="Sign in with a username and password.",
        ok=Reply(200, "Signed in.", SignedIn),
        errors={
            429: LIMITED,
            400: MALFORMED,
            401: "Wrong username or password, alike (`invalid_credentials`).",
            413: TOO_LARGE,
        },
        limits=LOGIN_LIMITS,
    ),
    Route(
        "POST",
        "/auth/refresh",
        "refresh",
        refresh_view,
        body=RefreshTokenBody,
        summary="Trade a refresh token for a new access token and a new refresh token.",
        ok=Reply(200, "A new pair; the presented refresh token is used up.", SignedIn),
        errors={
            400: MALFORMED,
            401: "Unknown, expired, revoked or already used refresh token "
            "(`invalid_refresh_token`); a used one also revokes its whole sign-in.",
            413: TOO_LARGE,
        },
    ),
    Route(
        "POST",
        "/auth/logout",
        "logout",
        logout_view,
        body=RefreshTokenBody,
        summary="Sign out: revoke the sign-in of a refresh token and all its tokens.",
        ok=Reply(200, "Signed out.", SignedOut),
        errors={
            400: MALFORMED,
            401: "Not a refresh token this server issued (`invalid_refresh_token`).",
            413: TOO_LARGE,
        },
    ),
    Route(
        "POST",
        "/chat/<room_id>/join",
        "join_room",
        join_member_view,
        Lane.PASSWORD,
        body=JoinRoom,
        summary="Join a room as a member with a user token and the room's password; the "
        "user token alone then grants the room (REST and sockets).",
        ok=Reply(200, "A member (already one: no password is checked).", Joined),
        errors={
            400: MALFORMED,
            401: "No, expired, forged or revoked token (`unauthorized`), or a wrong room "
            "password (`bad_password`).",
            403: "A room token: joining as a member takes a user token (`forbidden`).",
            404: "No such room (`room_not_found`), or the room id is not one path segment.",
            413: TOO_LARGE,
            429: LIMITED,
        },
        bearer=True,
        limits=PASSWORD_LIMITS,
    ),
    # Parsing and a cached token check only; the send is batched.
    Route(
        "POST",
        "/chat/<room_id>",
        "post_message",
        post_message_view,
        Lane.INLINE,
        body=PostMessage,
        summary="Post a message; it is stored encrypted, then broadcast to the room's sockets.",
        ok=Reply(201, "Stored (committed) and broadcast.", MessagePosted),
        errors={
            400: MALFORMED,
            401: UNAUTHORIZED,
            403: NOT_GRANTED + " Or a `user_id` other than the token's (`identity_mismatch`).",
            404: NOT_A_SEGMENT,
            413: TOO_LARGE,
        },
        bearer=True,
    ),
    Route(
        "GET",
        "/chat/<room_id>/messages",
        "list_messages",
        list_messages_view,
        query=MessagesQuery,
        summary="A page of the newest messages before a cursor, oldest first within the page.",
        ok=Reply(200, "A page.", MessagePage),
        errors={
            400: "`limit` outside 1-100 (`invalid_limit`), not an integer or an unknown "
            "parameter (`invalid_query`), or a malformed cursor (`invalid_cursor`).",
            401: UNAUTHORIZED,
            403: NOT_GRANTED,
            404: NOT_A_SEGMENT,
        },
        bearer=True,
    ),
    Route(
        "POST",
        "/user/profile",
        "create_profile",
        create_profile_view,
        body=CreateProfile,
        summary="Create a guest profile (no password) under a chosen user id, signed in: an "
        "access token and a refresh token.",
        ok=Reply(201, "Created and signed in.", GuestSignedIn),
        errors={
            429: LIMITED,
            400: MALFORMED + " A user id starting with g_ is reserved (`reserved_user_id`).",
            409: "The user id is taken (`user_id_taken`), or the name, in any spelling that "
            "folds to the same, by an account or a guest profile (`username_taken`).",
            413: TOO_LARGE,
        },
        limits=SIGNUP_LIMITS,
    ),
    Route(
        "GET",
        "/user/profile/<user_id>",
        "get_profile",
        get_profile_view,
        summary="The public profile of an identity: an account, a guest profile or a room "
        "token's guest.",
        ok=Reply(200, "The profile.", Profile),
        errors={
            400: "A query parameter (`invalid_query`): this route takes none.",
            404: "No such identity (`profile_not_found`), or the id is not one path segment.",
        },
    ),
    Route(
        "PUT",
        "/user/profile/<user_id>",
        "update_profile",
        update_profile_view,
        body=UpdateProfile,
        summary="Change one's own username and/or avatar, with one's own user token.",
        ok=Reply(200, "Changed; a new access token carries the new name.", ProfileUpdated),
        errors={
            400: MALFORMED,
            401: UNAUTHORIZED,
            403: "Another identity's profile (`identity_mismatch`), or a room token "
            "(`forbidden`): only a user token edits its own profile.",
            404: "The id is not one path segment (`not_found`).",
            409: "The name is taken, in any spelling that folds to the same (`username_taken`).",
            413: TOO_LARGE,
        },
        bearer=True,
    ),
    Route(
        "GET",
        "/openapi.json",
        "openapi",
        openapi_view,
        Lane.INLINE,
        summary="This document: the REST API in OpenAPI 3.1.",
        ok=Reply(200, "The document.", media_type="application/json"),
        errors={400: "A query parameter (`invalid_query`): this route takes none."},
    ),
    *(
        Route(
            "GET",
            asset.path,
            asset.endpoint,
            docs_view(asset.name),  # read from disk once: a worker, not the loop
            summary=asset.summary,
            ok=Reply(200, asset.summary, media_type=asset.media_type),
            errors={400: "A query parameter (`invalid_query`): this route takes none."},
        )
        for asset in docs_page.ASSETS
    ),
)


def error_response(error: ChatError | RequestError) -> HttpResponse:
    status, body = render(error)
    response = HttpResponse(status, body)
    if isinstance(error, RefreshTokenReused):
        # Refused, and yet the family was revoked: its sockets must still be dropped.
        response.events = list(error.events)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="securechat"'
    return response


def answer(deps: Deps, route: Route, request: HttpRequest) -> Answer:
    """Decode a request as its route's schemas say and run the view; every failure becomes
    our error shape, never a traceback."""
    return _guarded(lambda: _run(deps, route, request), route.endpoint)


def _run(deps: Deps, route: Route, request: HttpRequest) -> Answer:
    """The token first (a request without a valid one learns nothing of its body's faults),
    then the query and the body."""
    claims = None
    if route.bearer:
        token = bearer_token(request.headers.get("Authorization"))
        # An inline route may not touch storage: a user token's sign-in is checked by
        # open_room, in the batch (where every send re-checks it anyway).
        check = verify_token if route.lane is Lane.INLINE else authenticate
        claims = check(deps, token)
    query = decode_query(route.query, request.query)
    body = None if route.body is None else _body(request, route.body)
    return route.view(deps, request, claims, body, query)


def respond(batched: Batched[HttpResponse], result: SendResult) -> HttpResponse:
    """The response to a batched send, once its batch is done."""
    return _guarded(lambda: batched.respond(result), "respond")


def _guarded(run: Callable[[], T], name: str) -> T | HttpResponse:
    try:
        return run()
    except (ChatError, RequestError) as error:
        return error_response(error)
    except Exception:
        log.exception("unhandled error in %s", name)
        return HttpResponse(500, dict(INTERNAL))
