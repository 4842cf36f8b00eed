"""The shapes of room administration: REST bodies and answers."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from entrypoints.common.schemas import (
    ROOM_ID_PATTERN,
    Input,
    MessageLimit,
    NewPassword,
    Output,
    RoomIdText,
    documented,
)

# -- REST bodies ----------------------------------------------------------------------------------


class AdminInput(Input, kw_only=True):
    """The body of an admin POST or PATCH: admin is proven by `Authorization: Bearer` (the
    admin token, or a user token of an admin member) or by the room's admin password here."""

    admin_password: Annotated[
        str | UnsetType,
        Meta(
            description="The room's admin password, instead of a bearer token (refused as "
            "`bad_password` when wrong; counted under the password limits)."
        ),
    ] = UNSET


class RoomIdBody(AdminInput):
    """`/admin/delete_room`."""

    room_id: RoomIdText


class AdminBody(AdminInput):
    """An admin action with nothing to say beyond its path; the body may be left out."""


class MemberBody(AdminInput):
    """`/admin/rooms/{room_id}/kick|ban|unban|promote|demote`."""

    user_id: Annotated[
        str,
        documented(
            "The identity acted on (a g_… guest or a u_… account).", pattern=ROOM_ID_PATTERN
        ),
    ]


class RoomNetworkBody(AdminInput):
    """`/admin/verify_ip` and `/admin/revoke_ip`."""

    room_id: RoomIdText
    # A rule no JSON Schema keyword states: the `ip-network` format
    # (tests/contract/schemathesis_hooks.py generates it).
    ip: Annotated[
        str,
        documented(
            "An IPv4 or IPv6 address, or a CIDR range no wider than a /16 (IPv4) or a /48 "
            "(IPv6), without host bits.",
            format="ip-network",
            maxLength=64,
        ),
    ]


IpPolicyText = Annotated[
    str,
    Meta(
        description="`off` (addresses play no part), `allow` (verified addresses need no "
        "password to buy a guest token) or `require` (every request must also come from a "
        "verified address).",
        extra_json_schema={"enum": ["off", "allow", "require"]},
    ),
]


class SettingsPatch(AdminInput):
    """Only the fields present change."""

    ip_policy: Annotated[
        IpPolicyText | UnsetType,
        Meta(
            description="Switching to `require` takes your own address verified first, "
            "and takes every socket from an unverified address out of the room."
        ),
    ] = UNSET
    message_limit: MessageLimit | UnsetType = UNSET
    password: Annotated[
        NewPassword | UnsetType,
        Meta(description="A new join password: every guest room token issued before dies."),
    ] = UNSET


# -- responses (documentation) --------------------------------------------------------------------


class RoomDeletedOut(Output):
    room_id: str
    deleted: Annotated[bool, Meta(description="Always true.")]


class HistoryClearedOut(Output):
    room_id: str
    cleared: Annotated[int, Meta(description="How many messages were deleted.")]


class RoomSettingsOut(Output):
    message_limit: Annotated[
        int | None,
        Meta(
            description="The room's own limit; null: the server's SECURECHAT_MESSAGE_LIMIT "
            "(by default every message is kept)."
        ),
    ]
    ip_policy: IpPolicyText


class RoomNetworksOut(Output):
    room_id: str
    ip_policy: IpPolicyText
    verified_ips: Annotated[list[str], Meta(description="Verified networks, CIDR notation.")]
    pending_ips: Annotated[
        list[str],
        Meta(
            description="Addresses that came with the right password under `require` and "
            "were refused, awaiting an admin's look (at most 50)."
        ),
    ]


class MemberOut(Output):
    user_id: str
    username: str
    role: Annotated[str, Meta(extra_json_schema={"enum": ["admin", "member"]})]
    joined_at: Annotated[str, Meta(description="ISO 8601, UTC, milliseconds.")]
    standing: Annotated[str, Meta(extra_json_schema={"enum": ["active", "kicked", "banned"]})]
    until: Annotated[str | None, Meta(description="When a kick ends; else null.")]
    guest: Annotated[
        bool,
        Meta(
            description="True for an identity without a password: a room guest or a guest "
            "profile; false for an account."
        ),
    ]


class MemberStandingOut(Output):
    room_id: str
    user_id: str
    role: Annotated[
        str | None,
        Meta(
            description="Its role now; null when it holds no membership (unbanned).",
            extra_json_schema={"enum": ["admin", "member", None]},
        ),
    ]
    standing: Annotated[
        str | None,
        Meta(
            description="`active`, `kicked` (until `until`) or `banned`; null when it holds "
            "no membership (unbanned: it may join again as anyone does).",
            extra_json_schema={"enum": ["active", "kicked", "banned", None]},
        ),
    ]
    until: Annotated[str | None, Meta(description="When a kick ends (ISO 8601, UTC); else null.")]


class RoomOverviewOut(Output):
    room_id: str
    created_by: Annotated[str, Meta(description="The creator's user id.")]
    owner: Annotated[
        str,
        Meta(
            description="The owner's user id: the creator, or whom the owner handed the "
            "room to. No co-admin can demote, kick, ban or shut it out."
        ),
    ]
    created_at: Annotated[str, Meta(description="ISO 8601, UTC, milliseconds.")]
    settings: RoomSettingsOut
    members: Annotated[list[MemberOut], Meta(description="Members of the room, by user id.")]
    message_count: int
    verified_ips: Annotated[list[str], Meta(description="Verified networks, CIDR notation.")]
    pending_ips: Annotated[list[str], Meta(description="Addresses awaiting a look.")]


class SettingsChangedOut(Output):
    room_id: str
    settings: RoomSettingsOut
    password_changed: bool


class OwnerChangedOut(Output):
    room_id: str
    owner: Annotated[str, Meta(description="The new owner's user id.")]
    previous: Annotated[str, Meta(description="The previous owner's user id (an admin now).")]


class AdminTokenOut(Output):
    admin_token: Annotated[
        str,
        Meta(description="The new admin token; every admin token issued before is revoked."),
    ]
    expires_in: Annotated[int, Meta(description="Seconds (SECURECHAT_ADMIN_TOKEN_TTL).")]
