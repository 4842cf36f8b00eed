"""Domain events: recorded by use cases, released only by a successful commit."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.members import Role, Standing
from domain.model.messages import Message
from domain.model.presence import Present
from domain.model.sessions import EndReason


@dataclass(frozen=True, slots=True)
class RoomCreated:
    room_id: str
    created_by: str


@dataclass(frozen=True, slots=True)
class MessagePosted:
    message: Message
    # Its place in the room's change stream (domain/model/changes.py): 0 until stamped.
    offset: int = 0
    epoch: str = ""


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """A message's text changed: `message` is it as it is now (its `edited_at_ms` set)."""

    message: Message
    # Its place in the room's change stream (domain/model/changes.py): 0 until stamped.
    offset: int = 0
    epoch: str = ""


@dataclass(frozen=True, slots=True)
class ReactionsChanged:
    """Someone toggled a reaction: `reactions` are the message's, all of them, now."""

    room_id: str
    message_id: str
    reactions: dict[str, list[str]]
    # Its place in the room's change stream (domain/model/changes.py): 0 until stamped.
    offset: int = 0
    epoch: str = ""


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """An identity entered a room (its first connection) or left it (its last); `online` counts
    identities after it. Sent as a delta coalesced over a short interval, never the whole list."""

    room_id: str
    user_id: str
    username: str
    joined: bool
    online: int
    guest: bool = False


@dataclass(frozen=True, slots=True)
class PresenceShown:
    """A connection joined a room: that connection alone is told who is there (the whole
    list, cut at presence.PRESENCE_LIST_MAX); the room hears only a PresenceChanged."""

    room_id: str
    connection_id: str
    online: int
    users: tuple[Present, ...] = ()


@dataclass(frozen=True, slots=True)
class TypingChanged:
    """The room's typing list changed (a start, a stop, an expiry, a departure)."""

    room_id: str
    typing: tuple[Present, ...]


@dataclass(frozen=True, slots=True)
class FamilyRevoked:
    """A refresh-token family was revoked (logout, or a reused refresh token): the access
    tokens it issued are dead, so sockets opened with them must be dropped at once."""

    family_id: str
    user_id: str
    reason: EndReason = EndReason.LOGGED_OUT  # or REFRESH_TOKEN_REUSED


@dataclass(frozen=True, slots=True)
class RoomDeleted:
    """A room and all it held are gone: its sockets are told and taken out of it."""

    room_id: str
    incarnation: str


@dataclass(frozen=True, slots=True)
class HistoryCleared:
    room_id: str
    count: int
    # Its place in the room's change stream (domain/model/changes.py): 0 until stamped.
    offset: int = 0
    epoch: str = ""


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    room_id: str
    message_id: str
    # Its place in the room's change stream (domain/model/changes.py): 0 until stamped.
    offset: int = 0
    epoch: str = ""


@dataclass(frozen=True, slots=True)
class RoomTokensRevoked:
    """The room's password changed or its admin token was rotated: sockets opened with tokens
    issued before are dropped at once. The versions are the room's new ones."""

    room_id: str
    incarnation: str
    password_version: int
    admin_version: int
    reason: EndReason = EndReason.ROOM_PASSWORD_CHANGED  # or ADMIN_TOKEN_ROTATED


@dataclass(frozen=True, slots=True)
class MemberRemoved:
    """An identity was kicked or banned: its sockets are told and taken out of the room."""

    room_id: str
    user_id: str
    standing: Standing


@dataclass(frozen=True, slots=True)
class AddressesNarrowed:
    """The room requires verified addresses, now `networks` (it switched to `require` or one
    was revoked): its sockets from any other address are told and taken out of it."""

    room_id: str
    networks: tuple[str, ...]
    owner: str = ""  # the room's owner, whose sockets stay: `require` never shuts it out


@dataclass(frozen=True, slots=True)
class RoleChanged:
    room_id: str
    user_id: str
    role: Role


Event = (
    RoomCreated
    | MessagePosted
    | MessageEdited
    | ReactionsChanged
    | PresenceChanged
    | PresenceShown
    | TypingChanged
    | FamilyRevoked
    | RoomDeleted
    | HistoryCleared
    | MessageDeleted
    | RoomTokensRevoked
    | MemberRemoved
    | RoleChanged
    | AddressesNarrowed
)
