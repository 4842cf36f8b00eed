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


Event = RoomCreated | MessagePosted | PresenceChanged
