"""The shapes of rooms and messages: REST bodies and queries, socket event payloads, answers."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from domain.model.messages import DEFAULT_PAGE, MAX_PAGE
from domain.model.presence import PRESENCE_LIST_MAX
from entrypoints.common.schemas import (
    CURSOR_PATTERN,
    EditorUserId,
    Guest,
    Input,
    MessageIdText,
    MessageText,
    NewPassword,
    Output,
    OwnUserId,
    ReactionText,
    ReactorUserId,
    RoomIdText,
    Username,
    documented,
)
from entrypoints.common.schemas_changes import ClientIdText, Since

# -- REST bodies and queries ----------------------------------------------------------------------


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
    username: Annotated[
        Username | None,
        Meta(
            description="The display name of a creator without a user token (the room's "
            "one admin member, named once); not used with a user token (the account's "
            "name is its name). Left out: a default name."
        ),
    ] = None


class VerifyRoom(Input):
    password: Annotated[
        str | UnsetType,
        Meta(
            description="The room's password. Left out: only in a room whose ip_policy is "
            "`allow`, from a verified address."
        ),
    ] = UNSET
    username: Username | None = None


class RenewRoomToken(Input):
    """No field: the bearer token is all a renewal takes (an empty body, or `{}`)."""


class JoinRoom(Input):
    password: Annotated[
        str,
        Meta(description="The room's password; not checked when the user is a member already."),
    ]


class PostMessage(Input):
    message: MessageText
    user_id: OwnUserId = None
    client_id: ClientIdText = None


class EditMessage(Input):
    """`PATCH /chat/{room_id}/messages/{message_id}`: the new text."""

    message: MessageText
    user_id: EditorUserId = None


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
        documented("A message id (UUIDv7): the page ends just before it.", pattern=CURSOR_PATTERN),
    ] = ""


# -- socket event payloads ------------------------------------------------------------------------


class JoinPayload(Input):
    """`join`. A room token needs no password. A user token needs the room's password
    the first time (it makes the user a member), and none once the user is a member."""

    room: RoomIdText
    password: str | None = None
    # Recover what was missed since then: the ack's `recovered` and `missed` (or `reason`).
    since: Since | None = None


class RoomPayload(Input):
    """`leave`."""

    room: RoomIdText


class RenewPayload(Input):
    """`renew`: go on with a fresh token of the connection's identity, without
    reconnecting; the rooms it is in stay joined if the new token grants them all."""

    token: Annotated[
        str,
        Meta(
            max_length=4096,
            description="A fresh room or user token of the same identity "
            "(`identity_mismatch` otherwise).",
        ),
    ]


class MessagePayload(Input):
    """`message`."""

    room: RoomIdText
    message: MessageText
    user_id: OwnUserId = None
    client_id: ClientIdText = None


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


# -- responses (documentation) --------------------------------------------------------------------


class RoomCreated(Output):
    room_id: str
    admin_token: Annotated[
        str,
        Meta(
            description="Expires after SECURECHAT_ADMIN_TOKEN_TTL (default 30 days). It "
            "names the creator, who chats with it too (a room token whose role is admin)."
        ),
    ]
    expires_in: Annotated[int, Meta(description="Seconds the admin token lives.")]
    user_id: Annotated[
        str, Meta(description="The creator: a new guest identity (g_…), or the account's.")
    ]
    username: Annotated[str, Meta(description="The creator's display name, as stored.")]


class RoomAccess(Output):
    token: str
    expires_in: Annotated[int, Meta(description="Seconds (default 3600).")]
    user_id: Annotated[str, Meta(description="A new guest identity, g_…")]
    username: str


class Joined(Output):
    room_id: str
    user_id: Annotated[str, Meta(description="The account's id (u_…).")]
    role: Annotated[
        str,
        Meta(description="`member` (or `admin`).", extra_json_schema={"enum": ["admin", "member"]}),
    ]


class MessageDeletedOut(Output):
    room_id: str
    message_id: str
    deleted: Annotated[bool, Meta(description="Always true.")]


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
    offset: Annotated[
        int,
        Meta(
            description="The offset of its last change (its post, an edit, a reaction) in "
            "the room's change stream; 0 for messages older than the stream."
        ),
    ]
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
