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
from domain.model.errors import ChatError, ErrorCode, Forbidden, Unauthorized
from domain.model.events import Event
from domain.model.policies import Claims, Credential, UserTokenClaims
from domain.model.profiles import PublicProfile
from domain.model.rooms import RoomSettings
from domain.usecases import accounts, administer, ownership, profiles
from domain.usecases.access import authenticate, verify_token
from domain.usecases.create_room import create_room
from domain.usecases.deps import Deps
from domain.usecases.edit_message import edit_message
from domain.usecases.join_as_member import join_as_member
from domain.usecases.presence import room_presence
from domain.usecases.read_history import read_history
from domain.usecases.send_message import SendCommand
from domain.usecases.verify_room import verify_room_password
from entrypoints.common import docs_page, openapi, web_page
from entrypoints.common.batching import Batched, SendResult
from entrypoints.common.edge import RequestHeaders
from entrypoints.common.errors import INTERNAL, RequestError, TransportCode, render
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import (
    LOGIN_LIMITS,
    MESSAGE_LIMITS,
    SIGNUP_LIMITS,
    Limit,
)
from entrypoints.common.payloads import bearer_token, decode, decode_query, parse_json_object
from entrypoints.common.schemas import (
    AdminBody,
    AdminInput,
    AdminTokenOut,
    CreateProfile,
    CreateRoom,
    EditMessage,
    GuestSignedIn,
    HistoryClearedOut,
    Input,
    Joined,
    JoinRoom,
    Login,
    MemberBody,
    MemberStandingOut,
    MessageDeletedOut,
    MessageEditedOut,
    MessagePage,
    MessagePosted,
    MessagesQuery,
    NoQuery,
    OwnerChangedOut,
    PostMessage,
    PresenceOut,
    Profile,
    ProfileUpdated,
    RefreshTokenBody,
    Register,
    RoomAccess,
    RoomCreated,
    RoomDeletedOut,
    RoomIdBody,
    RoomNetworkBody,
    RoomNetworksOut,
    RoomOverviewOut,
    SettingsChangedOut,
    SettingsPatch,
    SignedIn,
    SignedOut,
    UpdateProfile,
    VerifyRoom,
)
from entrypoints.common.shapes import edited_at, encode_json, iso_ms, message_json, present_json
from entrypoints.common.socket_api import SOCKET_EVENTS
from entrypoints.common.static_files import Asset, Loaded

log = logging.getLogger("securechat.http")
T = TypeVar("T")
S = TypeVar("S", bound=Struct)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: RequestHeaders  # case-insensitive, from the framework
    body: bytes = b""
    peer: str = ""  # the TCP peer's address (edge.client_address finds the client from it)
    # The client's address (edge.client_address: the peer, or the right-most hop that is
    # not a trusted proxy), which ServerBase.view_steps fills in before anything runs.
    client: str = ""


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


def json_body(request: HttpRequest, optional: bool = False) -> dict[str, Any]:
    """A request's body as a JSON object, or RequestError."""
    if optional and not request.body:
        return {}  # no body at all: as if `{}` (a body must still be JSON)
    return parse_json_object(request.headers.get("Content-Type"), request.body)


def create_room_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: CreateRoom, __: NoQuery
) -> Answer:
    if claims is not None and not isinstance(claims, UserTokenClaims):
        raise Forbidden(ErrorCode.FORBIDDEN, "a room is created with no token, or a user token")
    admin_password = None if data.admin_password is UNSET else data.admin_password
    out = create_room(deps, data.room_id, data.password, admin_password, claims)
    body = {"room_id": out.value.room_id, "admin_token": out.value.admin_token}
    return HttpResponse(201, body, out.events)


def verify_room_view(
    deps: Deps, request: HttpRequest, _: None, data: VerifyRoom, __: NoQuery
) -> Answer:
    password = None if data.password is UNSET else data.password
    out = verify_room_password(
        deps, request.path_params["room_id"], password, data.username, request.client
    )
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
    room_id = request.path_params["room_id"]
    out = join_as_member(deps, claims, room_id, data.password, request.client)
    member = out.value
    body = {"room_id": member.room_id, "user_id": member.user_id, "role": member.role.value}
    return HttpResponse(200, body, out.events)


def post_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: PostMessage, _: NoQuery
) -> Answer:
    """A post, authenticated and parsed; the send itself goes through the runtime's batcher."""
    room_id = request.path_params["room_id"]
    command = SendCommand(
        claims, room_id, data.message, client=request.client, user_id=data.user_id
    )
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
        deps,
        claims,
        request.path_params["room_id"],
        query.limit,
        query.before or None,
        request.client,
    )
    page = out.value
    messages = [message_json(m, page.reactions.get(m.id)) for m in page.messages]
    body = {"messages": messages, "next_before": page.next_before}
    return HttpResponse(200, body)


def presence_view(deps: Deps, request: HttpRequest, claims: Claims, _: None, __: NoQuery) -> Answer:
    out = room_presence(deps, claims, request.path_params["room_id"], request.client)
    found = out.value
    users = [present_json(p) for p in found.users]
    return HttpResponse(200, {"room_id": found.room_id, "users": users, "count": found.count})


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


# -- administration (domain/usecases/administer.py) -------------------------------------------


def admin_credential(
    deps: Deps, claims: Claims | None, data: AdminInput, room_id: str
) -> Credential:
    """What proves admin for this request: the admin password in the body (verified here,
    in the password lane: `Route.password_field`), else the bearer token's claims."""
    if data.admin_password is not UNSET:
        return administer.prove_admin_password(deps, room_id, data.admin_password)
    if claims is None:
        raise Unauthorized(
            ErrorCode.UNAUTHORIZED, "a bearer token or the room's admin password is required"
        )
    return claims


def delete_room_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: RoomIdBody, _: NoQuery
) -> Answer:
    credential = admin_credential(deps, claims, data, data.room_id)
    out = administer.delete_room(deps, credential, data.room_id, request.client)
    return HttpResponse(200, {"room_id": out.value, "deleted": True}, out.events)


def clear_history_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: AdminBody, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    credential = admin_credential(deps, claims, data, room_id)
    out = administer.clear_history(deps, credential, room_id, request.client)
    return HttpResponse(200, {"room_id": room_id, "cleared": out.value}, out.events)


def delete_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, __: NoQuery
) -> Answer:
    room_id, message_id = request.path_params["room_id"], request.path_params["message_id"]
    out = administer.delete_message(deps, claims, room_id, message_id, request.client)
    body = {"room_id": room_id, "message_id": out.value, "deleted": True}
    return HttpResponse(200, body, out.events)


def edit_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: EditMessage, _: NoQuery
) -> Answer:
    room_id, message_id = request.path_params["room_id"], request.path_params["message_id"]
    out = edit_message(
        deps, claims, room_id, message_id, data.message, request.client, data.user_id
    )
    message = out.value
    body = {
        "room_id": message.room_id,
        "message_id": message.id,
        "message": message.text,
        "edited_at": edited_at(message),
    }
    return HttpResponse(200, body, out.events)


def room_overview_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    room = administer.room_overview(deps, claims, room_id, request.client).value
    body = {
        "room_id": room.room_id,
        "created_by": room.created_by,
        "owner": room.owner,
        "created_at": iso_ms(room.created_at_ms),
        "settings": _settings(room.settings),
        "members": [
            {
                "user_id": m.user_id,
                "username": m.username,
                "role": m.role.value,
                "joined_at": iso_ms(m.joined_at_ms),
                "standing": m.standing.value,
                "until": iso_ms(m.until_ms) if m.until_ms is not None else None,
                "guest": m.guest,
            }
            for m in room.members
        ],
        "message_count": room.message_count,
        "verified_ips": room.verified,
        "pending_ips": room.pending,
    }
    return HttpResponse(200, body)


def _settings(settings: RoomSettings) -> dict[str, Any]:
    return {"message_limit": settings.message_limit, "ip_policy": settings.ip_policy.value}


def update_settings_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: SettingsPatch, _: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    change = administer.SettingsChange(
        message_limit=None if data.message_limit is UNSET else data.message_limit,
        clear_message_limit=data.message_limit is None,
        password=None if data.password is UNSET else data.password,
        ip_policy=None if data.ip_policy is UNSET else data.ip_policy,
    )
    credential = admin_credential(deps, claims, data, room_id)
    out = administer.update_settings(deps, credential, room_id, change, request.client)
    body = {
        "room_id": room_id,
        "settings": _settings(out.value.settings),
        "password_changed": out.value.password_changed,
    }
    return HttpResponse(200, body, out.events)


def rotate_admin_token_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: AdminBody, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    credential = admin_credential(deps, claims, data, room_id)
    out = ownership.rotate_admin_token(deps, credential, room_id, request.client)
    body = {"admin_token": out.value.token, "expires_in": out.value.expires_in}
    return HttpResponse(200, body, out.events)


def transfer_owner_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: MemberBody, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    credential = admin_credential(deps, claims, data, room_id)
    out = ownership.transfer_ownership(deps, credential, room_id, data.user_id, request.client)
    body = {"room_id": out.value.room_id, "owner": out.value.owner, "previous": out.value.previous}
    return HttpResponse(200, body, out.events)


def verify_ip_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: RoomNetworkBody, _: NoQuery
) -> Answer:
    credential = admin_credential(deps, claims, data, data.room_id)
    out = administer.verify_ip(deps, credential, data.room_id, data.ip, request.client)
    return HttpResponse(200, _networks(out.value), out.events)


def revoke_ip_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: RoomNetworkBody, _: NoQuery
) -> Answer:
    credential = admin_credential(deps, claims, data, data.room_id)
    out = administer.revoke_ip(deps, credential, data.room_id, data.ip, request.client)
    return HttpResponse(200, _networks(out.value), out.events)


def _networks(networks: administer.Networks) -> dict[str, Any]:
    return {
        "room_id": networks.room_id,
        "ip_policy": networks.ip_policy.value,
        "verified_ips": networks.verified,
        "pending_ips": networks.pending,
    }


def member_action_view(action: administer.Action) -> View:
    """The view of one admin action on a member (promote, demote, kick, ban, unban)."""

    def view(
        deps: Deps, request: HttpRequest, claims: Claims | None, data: MemberBody, _: NoQuery
    ) -> Answer:
        room_id = request.path_params["room_id"]
        credential = admin_credential(deps, claims, data, room_id)
        out = administer.act_on_member(
            deps, credential, room_id, data.user_id, action, request.client
        )
        held = out.value.membership
        body = {
            "room_id": out.value.room_id,
            "user_id": out.value.user_id,
            "role": held.role.value if held else None,
            "standing": held.standing.value if held else None,
            "until": iso_ms(held.until_ms) if held and held.until_ms is not None else None,
        }
        return HttpResponse(200, body, out.events)

    return view


MEMBER_ACTIONS = {
    administer.Action.PROMOTE: "Make an active member an admin (event `role_changed`).",
    administer.Action.DEMOTE: "Make an admin a plain member (event `role_changed`); never "
    "the room's owner.",
    administer.Action.KICK: "Put an active member out for SECURECHAT_KICK_SECONDS (default "
    "10 minutes): its sockets get `kicked` and leave the room, and it is refused (`kicked`) "
    "until then, and so are `/verify` and `/join` from the client addresses it used in the "
    "room; never the room's owner.",
    administer.Action.BAN: "Put an identity out until unbanned, with the client addresses "
    "it used in the room: its sockets get `banned` and leave; `/verify` and `/join` from "
    "those addresses are refused (`banned`). A user who never joined may be banned ahead.",
    administer.Action.UNBAN: "Lift a ban and the address bans it made; the identity holds "
    "no membership then and joins again as anyone does.",
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


def file_view(load: Callable[[str], Loaded | None], name: str) -> View:
    """The view of one file of a page (static_files.py): the docs page's, or the chat
    page's, which answers 503 until it is built."""

    def view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
        loaded = load(name)
        if loaded is None:
            raise RequestError(TransportCode.PAGE_NOT_BUILT, web_page.NOT_BUILT)
        return HttpResponse(200, loaded.content, headers=dict(loaded.headers))

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
    bearer_optional: bool = False  # a bearer token if one is sent (then checked), else none
    limits: tuple[Limit, ...] = ()  # counted before anything else runs (limits.py)
    body_optional: bool = False  # an empty body (no bytes at all) reads as `{}`
    # A body carrying this field may verify a password: the request then counts under the
    # password limits and runs in the PASSWORD lane (admission.admit_route), and the bearer
    # token becomes optional (the password may be the proof instead).
    password_field: str | None = None
    # The body field of the room password this route verifies: every request is a password
    # attempt (admission.admit_route), whether or not the field is there.
    room_password_field: str | None = None


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
NOT_ADMIN = (
    "A valid token that does not grant this room (`forbidden`), or grants it without admin "
    "rights (`admin_required`): a guest's room token, or a user token of a plain member."
)
ADMIN_UNAUTHORIZED = (
    "No, expired, forged or revoked token and no admin password (`unauthorized`): an admin "
    "token dies with its room's incarnation and when it is rotated. A wrong admin password "
    "(`bad_password`)."
)
NOT_OWNER = "An admin that is not the room's owner (`owner_required`)."
MISSING_ROOM = "With an admin password: no such room (`room_not_found`)."
BAD_ROOM_ID = "Not a room id (`invalid_room_id`)."
LIMITED = "Too many attempts from this address, or on this room (`rate_limited`): see Retry-After."
NOT_A_SEGMENT = "The room id is not one path segment (`not_found`)."
PAGE_NOT_BUILT = "The web page was not built on this server (`page_not_built`)."
NO_QUERY = "A query parameter (`invalid_query`): this route takes none."

# What an admin route with the room in its path answers besides success.
ADMIN_ERRORS: Mapping[int, str] = {
    429: LIMITED,
    400: MALFORMED,
    401: ADMIN_UNAUTHORIZED,
    403: NOT_ADMIN,
    404: NOT_A_SEGMENT,
    413: TOO_LARGE,
}


def _file_routes(
    assets: tuple[Asset, ...],
    load: Callable[[str], Loaded | None],
    errors: Mapping[int, str],
) -> tuple[Route, ...]:
    """A route for each file of a page, read from disk once: in a worker, not the loop."""
    return tuple(
        Route(
            "GET",
            asset.path,
            asset.endpoint,
            file_view(load, asset.name),
            summary=asset.summary,
            ok=Reply(200, asset.summary, media_type=asset.media_type),
            errors=errors,
        )
        for asset in assets
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/room/create",
        "create_room",
        create_room_view,
        Lane.PASSWORD,
        body=CreateRoom,
        summary="Create a room; the creator gets an admin token. With a user token, its "
        "user is the creator: the room's admin member, whose token alone administers it.",
        ok=Reply(201, "Created.", RoomCreated),
        errors={
            429: LIMITED,
            400: MALFORMED,
            401: "A bearer token that is not valid (`unauthorized`).",
            403: "A room token (`forbidden`): a room is created with no token or a user token.",
            409: "A room with this id exists (`room_exists`); rooms are never overwritten.",
            413: TOO_LARGE,
        },
        limits=SIGNUP_LIMITS,
        bearer_optional=True,
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
        room_password_field="password",  # noqa: S106
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
        room_password_field="password",  # noqa: S106
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
            429: "Too many messages from this identity (`rate_limited`): see Retry-After.",
        },
        bearer=True,
        limits=MESSAGE_LIMITS,  # by identity: counted once the token is verified
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
            400: NO_QUERY,
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
        "GET",
        "/chat/<room_id>/presence",
        "room_presence",
        presence_view,
        summary="Who is connected to the room now (each identity once), with the same access "
        "as its history. This server process's sockets only.",
        ok=Reply(200, "The list.", PresenceOut),
        errors={400: NO_QUERY, 401: UNAUTHORIZED, 403: NOT_GRANTED, 404: NOT_A_SEGMENT},
        bearer=True,
    ),
    Route(
        "POST",
        "/admin/delete_room",
        "delete_room",
        delete_room_view,
        body=RoomIdBody,
        summary="Delete a room with all its messages and memberships; its sockets get "
        "`room_deleted` and leave it; every token of the room dies with it.",
        ok=Reply(200, "Deleted.", RoomDeletedOut),
        errors={
            429: LIMITED,
            400: MALFORMED,
            401: ADMIN_UNAUTHORIZED,
            403: NOT_ADMIN,
            404: MISSING_ROOM,
            413: TOO_LARGE,
        },
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    Route(
        "POST",
        "/chat/<room_id>/clear",
        "clear_history",
        clear_history_view,
        body=AdminBody,
        body_optional=True,
        summary="Delete every message of the room (admins); its sockets get `history_cleared`.",
        ok=Reply(200, "Cleared.", HistoryClearedOut),
        errors=ADMIN_ERRORS,
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    Route(
        "DELETE",
        "/chat/<room_id>/messages/<message_id>",
        "delete_message",
        delete_message_view,
        summary="Delete one message (its sender, or an admin); the room's sockets get "
        "`message_deleted`.",
        ok=Reply(200, "Deleted.", MessageDeletedOut),
        errors={
            400: "Not a message id (`invalid_message_id`), or not a room id (`invalid_room_id`).",
            401: UNAUTHORIZED,
            403: NOT_GRANTED + " Or someone else's message, for a non-admin (`forbidden`).",
            404: "No such message in this room (`message_not_found`), or a path parameter "
            "is not one segment.",
        },
        bearer=True,
    ),
    Route(
        "PATCH",
        "/chat/<room_id>/messages/<message_id>",
        "edit_message",
        edit_message_view,
        body=EditMessage,
        summary="Replace the text of one's own message (the same bounds as a new one), "
        "within SECURECHAT_EDIT_WINDOW_SECONDS of sending it (default 24 hours); it is "
        "stored encrypted anew, and the room's sockets get `message_edited`.",
        ok=Reply(200, "Edited.", MessageEditedOut),
        errors={
            400: MALFORMED + " Not a message id (`invalid_message_id`).",
            401: UNAUTHORIZED,
            403: NOT_GRANTED + " Or someone else's message (`not_sender`; admins "
            "neither), a message older than the edit window (`edit_window_closed`), or a "
            "`user_id` other than the token's (`identity_mismatch`).",
            404: "No such message in this room (`message_not_found`), or a path parameter "
            "is not one segment.",
            413: TOO_LARGE,
            429: "Over its identity's message limit (`rate_limited`): edits count with sends.",
        },
        bearer=True,
        limits=MESSAGE_LIMITS,  # by identity, like a send: counted once the token is verified
    ),
    Route(
        "GET",
        "/admin/rooms/<room_id>",
        "room_overview",
        room_overview_view,
        summary="A room as its admins see it: settings, members and roles, message count.",
        ok=Reply(200, "The room.", RoomOverviewOut),
        errors={
            400: BAD_ROOM_ID,
            401: ADMIN_UNAUTHORIZED,
            403: NOT_ADMIN,
            404: NOT_A_SEGMENT,
        },
        bearer=True,
    ),
    Route(
        "PATCH",
        "/admin/rooms/<room_id>/settings",
        "update_settings",
        update_settings_view,
        Lane.PASSWORD,
        body=SettingsPatch,
        summary="Change a room's settings; a new join password revokes every guest room "
        "token issued before (their sockets are dropped).",
        ok=Reply(200, "Changed.", SettingsChangedOut),
        errors=ADMIN_ERRORS,
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    Route(
        "POST",
        "/admin/rooms/<room_id>/admin_token",
        "rotate_admin_token",
        rotate_admin_token_view,
        body=AdminBody,
        body_optional=True,
        summary="A new admin token for the room's owner; every admin token issued before is "
        "revoked (their sockets are dropped). Only the owner may (its token or the admin "
        "password); one asked for with a sign-in's token dies with that sign-in.",
        ok=Reply(200, "Rotated.", AdminTokenOut),
        errors={**ADMIN_ERRORS, 403: NOT_ADMIN + " " + NOT_OWNER},
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    Route(
        "POST",
        "/admin/verify_ip",
        "verify_ip",
        verify_ip_view,
        body=RoomNetworkBody,
        summary="Verify an address or CIDR range for a room's IP policy (at most a /16 of "
        "IPv4 or a /48 of IPv6); pending addresses inside it are verified with it.",
        ok=Reply(200, "The room's lists now.", RoomNetworksOut),
        errors={
            429: LIMITED,
            400: MALFORMED + " Not an address or range (`invalid_address`), or wider than "
            "allowed (`range_too_wide`).",
            401: ADMIN_UNAUTHORIZED,
            403: NOT_ADMIN,
            404: MISSING_ROOM,
            413: TOO_LARGE,
        },
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    Route(
        "POST",
        "/admin/revoke_ip",
        "revoke_ip",
        revoke_ip_view,
        body=RoomNetworkBody,
        summary="Remove an address or range from a room's verified (or pending) list; under "
        "`require`, its sockets from addresses no longer verified leave the room.",
        ok=Reply(200, "The room's lists now.", RoomNetworksOut),
        errors={
            429: LIMITED,
            400: MALFORMED + " Not an address or range (`invalid_address`).",
            401: ADMIN_UNAUTHORIZED,
            403: NOT_ADMIN + " Under `require`, the network of your own address "
            "(`ip_not_verified`): you would lock yourself out.",
            404: "Not on the room's list (`network_not_found`).",
            413: TOO_LARGE,
        },
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    Route(
        "POST",
        "/admin/rooms/<room_id>/owner",
        "transfer_owner",
        transfer_owner_view,
        body=MemberBody,
        summary="Hand the room to an active member, which becomes an admin (event "
        "`role_changed` if it was not). Only the owner may; the previous owner stays an "
        "admin, and the admin password (which stood for it) is removed.",
        ok=Reply(200, "Handed on.", OwnerChangedOut),
        errors={
            429: LIMITED,
            400: MALFORMED,
            401: ADMIN_UNAUTHORIZED,
            403: NOT_ADMIN + " " + NOT_OWNER,
            404: "No such active member (`member_not_found`), or the room id is not one "
            "path segment.",
            413: TOO_LARGE,
        },
        bearer=True,
        password_field="admin_password",  # noqa: S106
    ),
    *(
        Route(
            "POST",
            f"/admin/rooms/<room_id>/{action.value}",
            f"{action.value}_member",
            member_action_view(action),
            body=MemberBody,
            summary=summary,
            ok=Reply(200, "Done: where the identity stands now.", MemberStandingOut),
            errors={
                429: LIMITED,
                400: MALFORMED,
                401: ADMIN_UNAUTHORIZED,
                403: NOT_ADMIN + " The room's owner (`owner_protected`).",
                404: "No such active member (`member_not_found`; for unban: no such banned "
                "identity), or the room id is not one path segment.",
                413: TOO_LARGE,
            },
            bearer=True,
            password_field="admin_password",  # noqa: S106
        )
        for action, summary in MEMBER_ACTIONS.items()
    ),
    Route(
        "GET",
        "/openapi.json",
        "openapi",
        openapi_view,
        Lane.INLINE,
        summary="This document: the REST API in OpenAPI 3.1.",
        ok=Reply(200, "The document.", media_type="application/json"),
        errors={400: NO_QUERY},
    ),
    *_file_routes(docs_page.ASSETS, docs_page.asset, {400: NO_QUERY}),
    *_file_routes(web_page.ASSETS, web_page.asset, {400: NO_QUERY, 503: PAGE_NOT_BUILT}),
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


# Given a request's verified claims, before anything else: None to go on, or the answer
# instead (a limit by identity that holds: ServerBase.view_steps).
Admit = Callable[[Claims], "HttpResponse | None"]


# A body admission.py has decoded already (or why it is not a JSON object), so that it is
# read once: None when it was not decoded.
Decoded = dict[str, Any] | RequestError | None


def answer(
    deps: Deps,
    route: Route,
    request: HttpRequest,
    admit: Admit | None = None,
    decoded: Decoded = None,
) -> Answer:
    """Decode a request as its route's schemas say and run the view; every failure becomes
    our error shape, never a traceback."""
    return _guarded(lambda: _run(deps, route, request, admit, decoded), route.endpoint)


def _run(
    deps: Deps,
    route: Route,
    request: HttpRequest,
    admit: Admit | None = None,
    decoded: Decoded = None,
) -> Answer:
    """The token first (a request without a valid one learns nothing of its body's faults),
    then its identity's limits (`admit`), then the query and the body."""
    claims = None
    wants = route.bearer or route.bearer_optional
    token = bearer_token(request.headers.get("Authorization")) if wants else None
    if route.bearer_optional and token is not None:
        claims = authenticate(deps, token)
    elif route.bearer and (token is not None or route.password_field is None):
        # An inline route may not touch storage: a user token's sign-in is checked by
        # open_room, in the batch (where every send re-checks it anyway).
        check = verify_token if route.lane is Lane.INLINE else authenticate
        claims = check(deps, token)
    if admit is not None and claims is not None and (refused := admit(claims)) is not None:
        return refused
    query = decode_query(route.query, request.query)
    body = None
    if route.body is not None:
        if decoded is None:
            decoded = json_body(request, route.body_optional)
        if isinstance(decoded, RequestError):
            raise decoded
        body = decode(route.body, decoded)
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
