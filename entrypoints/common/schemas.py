"""The rules every schema shares: the fields' documented rules, `Input`, `Output`.

The Structs themselves are grouped by area: schemas_rooms.py (rooms, messages and the socket
events' payloads), schemas_accounts.py (accounts, profiles), schemas_admin.py (room
administration). A route of `routes.ROUTES` names its body and query schema, an event of
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

from msgspec import Meta, Struct

from domain.model.members import USERNAME_MAX_CHARS
from domain.model.profiles import AVATAR_MAX_CHARS
from domain.model.reactions import MAX_REACTION_CODE_POINTS, MAX_REACTIONS_PER_MESSAGE
from domain.model.rooms import MESSAGE_LIMIT_MAX, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS
from entrypoints.common.settings import DEFAULTS

ROOM_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
ROOM_ID_RULE = "1-64 characters of A-Za-z0-9_-"
# An empty `before` means no cursor, as if it were absent.
CURSOR_PATTERN = "^([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})?$"


def documented(description: str, **rules: Any) -> Meta:
    """Meta that documents a rule the domain enforces (msgspec does not check `rules`)."""
    return Meta(description=description, extra_json_schema=rules or None)


RoomIdText = Annotated[str, documented(ROOM_ID_RULE, pattern=ROOM_ID_PATTERN)]
NewPassword = Annotated[
    str,
    documented(
        f"{PASSWORD_MIN_CHARS}-{PASSWORD_MAX_CHARS} characters",
        minLength=PASSWORD_MIN_CHARS,
        maxLength=PASSWORD_MAX_CHARS,
    ),
]
# Its length is counted after NFKC normalization, which no JSON Schema keyword can say: the
# rule is the `username` format (tests/contract/schemathesis_hooks.py generates it).
Username = Annotated[
    str,
    documented(
        "Display name, NFKC-normalized (the form stored and returned); "
        f"1-{USERNAME_MAX_CHARS} characters after normalization; no control or format "
        "characters; at least one visible character; not unique.",
        format="username",
    ),
]
MessageText = Annotated[
    str,
    documented(
        "Not blank; at most SECURECHAT_MAX_MESSAGE_BYTES of UTF-8 "
        f"(default {DEFAULTS.max_message_bytes // 1024} KiB).",
        pattern=r"\S",
    ),
]

MESSAGE_ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
MessageIdText = Annotated[
    str, documented("A message id (UUIDv7, lower-case).", pattern=MESSAGE_ID_PATTERN)
]
MessageLimit = Annotated[
    int | None,
    documented(
        f"How many of its newest messages the room keeps, 1-{MESSAGE_LIMIT_MAX} (older "
        "ones are deleted as messages are written), or 0 for every message (unlimited, "
        "whatever the server's default); null takes the server's SECURECHAT_MESSAGE_LIMIT, "
        "which by default keeps every message.",
        minimum=0,
        maximum=MESSAGE_LIMIT_MAX,
    ),
]

# A user id in a path: any identity's (u_…, g_… or a guest profile's own).
UserIdText = Annotated[str, documented(ROOM_ID_RULE, pattern=ROOM_ID_PATTERN)]
# One a client chooses: the room-id rule, and not the server's `g_…`.
NewUserId = Annotated[
    str,
    documented(
        f"{ROOM_ID_RULE}; not starting with g_ (reserved for server-minted guest ids: "
        "`reserved_user_id`)",
        pattern="^(?!g_)[A-Za-z0-9_-]{1,64}$",
    ),
]
# Like `username`, a rule no JSON Schema keyword states: the `avatar` format
# (tests/contract/schemathesis_hooks.py generates it from the domain's check).
Avatar = Annotated[
    str,
    documented(
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
    documented(
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


class NoQuery(Input):
    """A route that takes no query parameters."""


class Output(Struct, forbid_unknown_fields=True):
    """Every response schema: a client may rely on there being no other field."""


Guest = Annotated[
    bool,
    Meta(
        description="True for an identity without a password: a room token's guest or a "
        "guest profile; false for an account."
    ),
]
