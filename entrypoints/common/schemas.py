"""The shape of every input, REST and socket alike, as msgspec Structs; and of every success.

A route of `http_api.ROUTES` names its body and query schema, an event of
`socket_api.SOCKET_EVENTS` its payload schema; `payloads.decode` turns what arrived into the
Struct or a `RequestError` (missing, mistyped or unexpected field). The Structs check the
shape only: the rules on values (a room id's characters, a password's length, a message's
size) stay in the domain, which gives them their own codes. What those rules are is written
here too, as documentation (`extra_json_schema`), so that openapi.py can tell clients.

The response Structs are documentation only: the views build plain dicts (shapes.py), and
the contract suite checks the two agree.
"""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from domain.model.members import USERNAME_MAX_CHARS
from domain.model.messages import DEFAULT_PAGE, MAX_PAGE
from domain.model.presence import PRESENCE_LIST_MAX
from domain.model.profiles import AVATAR_MAX_CHARS
from domain.model.reactions import (
    MAX_REACTION_CODE_POINTS,
    MAX_REACTIONS_PER_MESSAGE,
)
from domain.model.rooms import MESSAGE_LIMIT_MAX, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS

ROOM_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
ROOM_ID_RULE = "1-64 characters of A-Za-z0-9_-"
# An empty `before` means no cursor, as if it were absent.
CURSOR_PATTERN = "^([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})?$"


def _documented(description: str, **rules: Any) -> Meta:
    """Meta that documents a rule the domain enforces (msgspec does not check `rules`)."""
    return Meta(description=description, extra_json_schema=rules or None)


RoomIdText = Annotated[str, _documented(ROOM_ID_RULE, pattern=ROOM_ID_PATTERN)]
NewPassword = Annotated[
    str,
    _documented(
        f"{PASSWORD_MIN_CHARS}-{PASSWORD_MAX_CHARS} characters",
        minLength=PASSWORD_MIN_CHARS,
        maxLength=PASSWORD_MAX_CHARS,
    ),
]
# Its length is counted after NFKC normalization, which no JSON Schema keyword can say: the
# rule is the `username` format (tests/contract/schemathesis_hooks.py generates it).
Username = Annotated[
    str,
    _documented(
        "Display name, NFKC-normalized (the form stored and returned); "
        f"1-{USERNAME_MAX_CHARS} characters after normalization; no control or format "
        "characters; at least one visible character; not unique.",
        format="username",
    ),
]
MessageText = Annotated[
    str,
    _documented(
        "Not blank; at most SECURECHAT_MAX_MESSAGE_BYTES of UTF-8 (default 16 KiB).",
        pattern=r"\S",
    ),
]

MESSAGE_ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
MessageIdText = Annotated[
    str, _documented("A message id (UUIDv7, lower-case).", pattern=MESSAGE_ID_PATTERN)
]
MessageLimit = Annotated[
    int | None,
    _documented(
        f"How many of its newest messages the room keeps, 1-{MESSAGE_LIMIT_MAX} (older "
        "ones are deleted as messages are written), or 0 for every message (unlimited, "
        "whatever the server's default); null takes the server's SECURECHAT_MESSAGE_LIMIT, "
        "which by default keeps every message.",
        minimum=0,
        maximum=MESSAGE_LIMIT_MAX,
    ),
]

# A user id in a path: any identity's (u_…, g_… or a guest profile's own).
UserIdText = Annotated[str, _documented(ROOM_ID_RULE, pattern=ROOM_ID_PATTERN)]
# One a client chooses: the room-id rule, and not the server's `g_…`.
NewUserId = Annotated[
    str,
    _documented(
        f"{ROOM_ID_RULE}; not starting with g_ (reserved for server-minted guest ids: "
        "`reserved_user_id`)",
        pattern="^(?!g_)[A-Za-z0-9_-]{1,64}$",
    ),
]
# Like `username`, a rule no JSON Schema keyword states: the `avatar` format
# (tests/contract/schemathesis_hooks.py generates it from the domain's check).
Avatar = Annotated[
    str,
    _documented(
        f"An absolute http:// or https:// URL with a host, at most {AVATAR_MAX_CHARS} "
        "characters, no spaces or control characters; stored and returned as data, never "
        "fetched.",
        format="avatar",
        maxLength=AVATAR_MAX_CHARS,
    ),
]
# In a message payload: if given, it must be the token's identity (`identity_mismatch`).
OwnUserId = Annotated[
    str | None,
    Meta(
        description="Optional. Messages are always attributed to the token's identity; a "
        "user_id other than it is refused (403 `identity_mismatch`)."
    ),
]

# Like `username`, a rule no JSON Schema keyword states: the `emoji` format.
ReactionText = Annotated[
    str,
    _documented(
        f"One emoji of Unicode's emoji table (emoji-test.txt): a pictograph with its skin "
        f"tones, a flag, a keycap or a ZWJ sequence (a family); at most "
        f"{MAX_REACTION_CODE_POINTS} code points. It is kept in its fully-qualified form: "
        f"an unqualified or minimally-qualified spelling, or a single emoji with VS15 or "
        f"VS16, is the same reaction (the answer and `reaction_update` show the stored "
        f"form). Anything else (letters, digits, markup, two emoji side by side, repeated "
        f"selectors or skin tones, stray tags, code points the table does not list) is "
        f"refused (`invalid_reaction`). A message holds at most {MAX_REACTIONS_PER_MESSAGE} "
        f"different emoji (`too_many_reactions`).",
        format="emoji",
        minLength=1,
        maxLength=MAX_REACTION_CODE_POINTS,
    ),
]
# In an edit: the same rule as a message's own user_id.
EditorUserId = Annotated[
    str | None,
    Meta(
        description="Optional. The editor is always the token's identity; a user_id other "
        "than it is refused (403 `identity_mismatch`)."
    ),
]
ReactorUserId = Annotated[
    str | None,
    Meta(
        description="Optional. The reaction is always the token's identity's; a user_id "
        "other than it is refused (`identity_mismatch`)."
    ),
]

# The schema of each parameter a route rule may hold (`<room_id>`, ...).
PATH_PARAMETERS: dict[str, Any] = {
    "room_id": RoomIdText,
    "message_id": MessageIdText,
    "user_id": UserIdText,
}


class Input(Struct, forbid_unknown_fields=True):
    """Every input schema: a field it does not name is refused."""


# -- REST bodies and queries ----------------------------------------------------------------


class CreateRoom(Input):
    room_id: RoomIdText
    password: NewPassword
    admin_password: Annotated[
        NewPassword | UnsetType,
        Meta(
            description="Optional: a second password that proves admin of the room (in the "
            "body of its admin POSTs and PATCHes), like the admin token; it must differ from "
            "`password`. Stored as an argon2id hash."
        ),
    ] = UNSET


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


class VerifyRoom(Input):
    password: Annotated[
        str | UnsetType,
        Meta(
            description="The room's password. Left out: only in a room whose ip_policy is "
            "`allow`, from a verified address."
        ),
    ] = UNSET
    username: Username | None = None


class JoinRoom(Input):
    password: Annotated[
        str,
        Meta(description="The room's password; not checked when the user is a member already."),
    ]


class PostMessage(Input):
    message: MessageText
    user_id: OwnUserId = None


class EditMessage(Input):
    """`PATCH /chat/{room_id}/messages/{message_id}`: the new text."""

    message: MessageText
    user_id: EditorUserId = None


class CreateProfile(Input):
    user_id: NewUserId
    username: Username
    avatar: Avatar | None = None


class UpdateProfile(Input):
    """Absent fields stay as they are; `"avatar": null` removes the avatar."""

    username: Username | UnsetType = UNSET
    avatar: Avatar | None | UnsetType = UNSET


class Register(Input):
    username: Username
    password: NewPassword


class Login(Input):
    username: str
    password: str


class RefreshTokenBody(Input):
    """`/auth/refresh` and `/auth/logout`."""

    refresh_token: str


class RoomIdBody(AdminInput):
    """`/admin/delete_room`."""

    room_id: RoomIdText


class AdminBody(AdminInput):
    """An admin action with nothing to say beyond its path; the body may be left out."""


class MemberBody(AdminInput):
    """`/admin/rooms/{room_id}/kick|ban|unban|promote|demote`."""

    user_id: Annotated[
        str,
        _documented(
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
        _documented(
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


class NoQuery(Input):
    """A route that takes no query parameters."""


class MessagesQuery(Input):
    limit: Annotated[
        int,
        Meta(
            description=f"How many messages, 1-{MAX_PAGE}.",
            extra_json_schema={"minimum": 1, "maximum": MAX_PAGE},
        ),
    ] = DEFAULT_PAGE
    before: Annotated[
        str,
        _documented("A message id (UUIDv7): the page ends just before it.", pattern=CURSOR_PATTERN),
    ] = ""


# -- socket event payloads ------------------------------------------------------------------


class JoinPayload(Input):
    """`join`. A room token needs no password. A user token needs the room's password
    the first time (it makes the user a member), and none once the user is a member."""

    room: RoomIdText
    password: str | None = None


class RoomPayload(Input):
    """`leave`."""

    room: RoomIdText


class MessagePayload(Input):
    """`message`."""

    room: RoomIdText
    message: MessageText
    user_id: OwnUserId = None


class TypingPayload(Input):
    """`typing`: start (or keep up) or stop showing the caller as typing in a joined room."""

    room: RoomIdText
    is_typing: bool
    user_id: OwnUserId = None


class ReactionPayload(Input):
    """`reaction`: toggles the caller's reaction on a message of a joined room (on if it
    did not hold it, else off); the room gets `reaction_update`."""

    room: RoomIdText
    message_id: MessageIdText
    reaction: ReactionText
    user_id: ReactorUserId = None


class EditPayload(Input):
    """`edit`: the sender replaces its message's text, within SECURECHAT_EDIT_WINDOW_SECONDS
    of sending it (default 24 hours); the room gets `message_edited`."""

    room: RoomIdText
    message_id: MessageIdText
    message: MessageText
    user_id: EditorUserId = None


# -- responses (documentation) --------------------------------------------------------------


class Output(Struct, forbid_unknown_fields=True):
    """Every response schema: a client may rely on there being no other field."""


class RoomCreated(Output):
    room_id: str
    admin_token: Annotated[
        str, Meta(description="Expires after SECURECHAT_ADMIN_TOKEN_TTL (default 30 days).")
    ]


class RoomAccess(Output):
    token: str
    expires_in: Annotated[int, Meta(description="Seconds (default 3600).")]
    user_id: Annotated[str, Meta(description="A new guest identity, g_…")]
    username: str


class SignedIn(Output):
    user_id: Annotated[str, Meta(description="The account's id (u_…), for good.")]
    username: Annotated[str, Meta(description="The name as stored (NFKC-normalized).")]
    access_token: Annotated[
        str, Meta(description="Bearer token; expires after SECURECHAT_USER_TOKEN_TTL (15 min).")
    ]
    refresh_token: Annotated[
        str,
        Meta(
            description="Single use: /auth/refresh trades it for a new pair; presenting it "
            "again revokes every token of this sign-in. Only its hash is stored."
        ),
    ]
    expires_in: Annotated[int, Meta(description="Seconds the access token lives.")]


class SignedOut(Output):
    revoked: Annotated[bool, Meta(description="Always true: the sign-in's tokens are dead.")]


class Joined(Output):
    room_id: str
    user_id: Annotated[str, Meta(description="The account's id (u_…).")]
    role: Annotated[
        str,
        Meta(description="`member` (or `admin`).", extra_json_schema={"enum": ["admin", "member"]}),
    ]


class RoomDeletedOut(Output):
    room_id: str
    deleted: Annotated[bool, Meta(description="Always true.")]


class HistoryClearedOut(Output):
    room_id: str
    cleared: Annotated[int, Meta(description="How many messages were deleted.")]


class MessageDeletedOut(Output):
    room_id: str
    message_id: str
    deleted: Annotated[bool, Meta(description="Always true.")]


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


Guest = Annotated[
    bool,
    Meta(
        description="True for an identity without a password: a room token's guest or a "
        "guest profile; false for an account."
    ),
]


class Profile(Output):
    user_id: str
    username: str
    avatar: Annotated[str | None, Meta(description="An http(s) URL, or null.")]
    guest: Guest


class GuestSignedIn(Output):
    user_id: str
    username: str
    avatar: str | None
    guest: Annotated[bool, Meta(description="Always true.")]
    access_token: Annotated[
        str, Meta(description="Bearer token; expires after SECURECHAT_USER_TOKEN_TTL (15 min).")
    ]
    refresh_token: Annotated[
        str,
        Meta(
            description="The guest profile's only way back once its access token expires: "
            "/auth/refresh trades it for a new pair (single use). A guest has no password."
        ),
    ]
    expires_in: Annotated[int, Meta(description="Seconds the access token lives.")]


class ProfileUpdated(Output):
    user_id: str
    username: str
    avatar: str | None
    guest: Guest
    access_token: Annotated[
        str,
        Meta(
            description="A new access token of the same sign-in, carrying the new name; "
            "older access tokens keep the name they were issued with until they expire."
        ),
    ]
    expires_in: int


class MessagePosted(Output):
    message_id: Annotated[str, Meta(description="UUIDv7, time-sortable.")]


ReactionsOut = Annotated[
    dict[str, list[str]],
    Meta(
        description="Each emoji reacted with, in the order of its first reaction, and the "
        "user ids that reacted with it, earliest first; `{}` when none."
    ),
]


class MessageEditedOut(Output):
    room_id: str
    message_id: str
    message: Annotated[str, Meta(description="The text as it is now.")]
    edited_at: Annotated[str, Meta(description="ISO 8601, UTC, milliseconds.")]


class Message(Output):
    id: str
    room_id: str
    user_id: str
    username: str
    guest: Guest
    message: Annotated[
        str | None, Meta(description="The text; null when the message is unreadable.")
    ]
    timestamp: Annotated[
        str, Meta(description="ISO 8601, UTC, milliseconds: 2026-12-02T15:04:05.123Z")
    ]
    edited_at: Annotated[
        str | None,
        Meta(description="When its sender last edited the text (ISO 8601, UTC); null if never."),
    ]
    reactions: ReactionsOut
    unreadable: Annotated[
        bool | UnsetType,
        Meta(
            description="Present (true) only when no configured key can decrypt the stored "
            "message; the server logs it. Absent on every readable message.",
            extra_json_schema={"enum": [True]},
        ),
    ] = UNSET


class PresentOut(Output):
    user_id: str
    username: str
    guest: Guest


class PresenceOut(Output):
    room_id: str
    users: Annotated[
        list[PresentOut],
        Meta(
            description="Each identity connected to the room once, however many sockets it "
            f"has, by name; at most {PRESENCE_LIST_MAX}."
        ),
    ]
    count: Annotated[int, Meta(description="How many identities are connected (exact).")]


class MessagePage(Output):
    messages: list[Message]
    next_before: Annotated[
        str | None,
        Meta(description="Cursor of the next older page; null at the start of history."),
    ]
