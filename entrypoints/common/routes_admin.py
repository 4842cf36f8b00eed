"""Room administration: its entries of the route table (views in views_admin.py)."""

from __future__ import annotations

from domain.usecases.act_on_member import Action
from entrypoints.common.http_types import Reply, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.route_errors import (
    ADMIN_ERRORS,
    ADMIN_UNAUTHORIZED,
    BAD_ROOM_ID,
    LIMITED,
    MALFORMED,
    MISSING_ROOM,
    NOT_A_SEGMENT,
    NOT_ADMIN,
    NOT_OWNER,
    TOO_LARGE,
)
from entrypoints.common.schemas_admin import (
    AdminBody,
    AdminTokenOut,
    HistoryClearedOut,
    MemberBody,
    MemberStandingOut,
    OwnerChangedOut,
    RoomDeletedOut,
    RoomIdBody,
    RoomNetworkBody,
    RoomNetworksOut,
    RoomOverviewOut,
    SettingsChangedOut,
    SettingsPatch,
)
from entrypoints.common.views_admin import (
    clear_history_view,
    delete_room_view,
    member_action_view,
    revoke_ip_view,
    room_overview_view,
    rotate_admin_token_view,
    transfer_owner_view,
    update_settings_view,
    verify_ip_view,
)

DELETE_ROOM = Route(
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
)


CLEAR_HISTORY = Route(
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
)


ROOM_OVERVIEW = Route(
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
)


UPDATE_SETTINGS = Route(
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
)


ROTATE_ADMIN_TOKEN = Route(
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
)


VERIFY_IP = Route(
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
)


REVOKE_IP = Route(
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
)


TRANSFER_OWNER = Route(
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
        404: "No such active member (`member_not_found`), or the room id is not one path segment.",
        413: TOO_LARGE,
    },
    bearer=True,
    password_field="admin_password",  # noqa: S106
)


MEMBER_ACTIONS = {
    Action.PROMOTE: "Make an active member an admin (event `role_changed`).",
    Action.DEMOTE: "Make an admin a plain member (event `role_changed`); never the room's owner.",
    Action.KICK: "Put an active member out for SECURECHAT_KICK_SECONDS (default "
    "10 minutes): its sockets get `kicked` and leave the room, and it is refused (`kicked`) "
    "until then, and so are `/verify` and `/join` from the client addresses it used in the "
    "room; never the room's owner.",
    Action.BAN: "Put an identity out until unbanned, with the client addresses "
    "it used in the room: its sockets get `banned` and leave; `/verify` and `/join` from "
    "those addresses are refused (`banned`). A user who never joined may be banned ahead.",
    Action.UNBAN: "Lift a ban and the address bans it made; the identity holds "
    "no membership then and joins again as anyone does.",
}


MEMBER_ACTION_ROUTES = tuple(
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
)
