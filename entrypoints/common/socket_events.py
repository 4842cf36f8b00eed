"""From committed domain events to Socket.IO emits: the one home of what clients receive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.model.events import (
    Event,
    HistoryCleared,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    PresenceChanged,
    PresenceShown,
    ReactionsChanged,
    RoleChanged,
    RoomDeleted,
    TypingChanged,
)
from domain.model.presence import Present
from domain.model.sessions import EndReason
from entrypoints.common.shapes import edited_at, message_json, present_json


@dataclass(frozen=True, slots=True)
class Emit:
    event: str
    data: dict[str, Any]
    to: str  # Socket.IO room name


# Not an event clients receive: a presence change for ServerBase to coalesce.
PRESENCE_NOTE = "presence note"


def channel(room_id: str) -> str:
    """The Socket.IO room of a chat room."""
    return f"room:{room_id}"


# The changes of a room's stream (domain/model/changes.py): each event carries its place.
STREAMED = (MessagePosted, MessageEdited, MessageDeleted, ReactionsChanged, HistoryCleared)


def emits_for(events: Iterable[Event]) -> list[Emit]:
    out: list[Emit] = []
    for event in events:
        start = len(out)
        match event:
            case MessagePosted(message=message):
                out.append(Emit("message", message_json(message), channel(message.room_id)))
            case MessageEdited(message=message):
                data = {
                    "room": message.room_id,
                    "message_id": message.id,
                    "message": message.text,
                    "edited_at": edited_at(message),
                }
                out.append(Emit("message_edited", data, channel(message.room_id)))
            case ReactionsChanged(room_id=room_id, message_id=message_id, reactions=reactions):
                update = {"room": room_id, "message_id": message_id, "reactions": reactions}
                out.append(Emit("reaction_update", update, channel(room_id)))
            case PresenceChanged():
                # Not sent as is: ServerBase holds it for the room's next presence flush
                # (presence_fanout.PresenceFanout), which sends the net change as a delta.
                who = Present(event.user_id, event.username, event.guest)
                note = {"room": event.room_id, "who": who, "joined": event.joined}
                out.append(
                    Emit(PRESENCE_NOTE, {**note, "count": event.online}, channel(event.room_id))
                )
            case PresenceShown(room_id=room_id, connection_id=sid):
                # The whole list, only to the connection that joined.
                out.append(Emit("presence", presence_json(room_id, event.users, event.online), sid))
            case TypingChanged(room_id=room_id, typing=typing):
                typists = [present_json(p) for p in typing]
                out.append(
                    Emit(
                        "typing_status",
                        {"room": room_id, "typing_users": typists},
                        channel(room_id),
                    )
                )
            case RoomDeleted(room_id=room_id):
                # Before the sockets are taken out of the room (ServerBase.access_steps).
                told = {"room": room_id, "reason": EndReason.ROOM_DELETED.value}
                out.append(Emit("room_deleted", told, channel(room_id)))
            case HistoryCleared(room_id=room_id):
                out.append(Emit("history_cleared", {"room": room_id}, channel(room_id)))
            case MessageDeleted(room_id=room_id, message_id=message_id):
                data = {"room": room_id, "message_id": message_id}
                out.append(Emit("message_deleted", data, channel(room_id)))
            case RoleChanged(room_id=room_id, user_id=user_id, role=role):
                data = {"room": room_id, "user_id": user_id, "role": role.value}
                out.append(Emit("role_changed", data, channel(room_id)))
            case _:
                pass  # nothing for clients to see (RoomCreated, FamilyRevoked, ...)
        if isinstance(event, STREAMED):
            for emit in out[start:]:
                emit.data.update(offset=event.offset, epoch=event.epoch)
    return out


def presence_json(room_id: str, users: tuple[Present, ...], count: int) -> dict[str, Any]:
    """The `presence` event: who is in the room (cut at PRESENCE_LIST_MAX; `count` exact)."""
    return {"room": room_id, "users": [present_json(p) for p in users], "count": count}
