"""Domain events: recorded by use cases, released only by a successful commit."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.messages import Message


@dataclass(frozen=True, slots=True)
class RoomCreated:
    room_id: str
    created_by: str


@dataclass(frozen=True, slots=True)
class MessagePosted:
    message: Message


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """Someone entered or left a room; `online` is the count after the change."""

    room_id: str
    user_id: str
    username: str
    joined: bool
    online: int
    guest: bool = False


@dataclass(frozen=True, slots=True)
class FamilyRevoked:
    """A refresh-token family was revoked (logout, or a reused refresh token): the access
    tokens it issued are dead, so sockets opened with them must be dropped at once."""

    family_id: str
    user_id: str


Event = RoomCreated | MessagePosted | PresenceChanged | FamilyRevoked
