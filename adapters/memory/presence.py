"""Presence and typing of this process's connections, in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from domain.model.presence import Arrival, Departure, Present


@dataclass(slots=True)
class _Room:
    connections: dict[str, str] = field(default_factory=dict)  # connection -> user id
    identities: dict[str, tuple[Present, int]] = field(default_factory=dict)  # -> (who, tabs)
    typing: dict[str, int] = field(default_factory=dict)  # user id -> until (ms)


class MemoryPresenceStore:
    """Bounded by the live connections: a room's entries go with its last connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[str, _Room] = {}
        self._typing_rooms: set[str] = set()  # rooms with someone typing, for the sweep

    def enter(self, room_id: str, connection_id: str, who: Present) -> Arrival:
        with self._lock:
            room = self._rooms.setdefault(room_id, _Room())
            if connection_id in room.connections:
                present, _ = room.identities[room.connections[connection_id]]
                return Arrival(present, False, len(room.identities))
            room.connections[connection_id] = who.user_id
            _, tabs = room.identities.get(who.user_id, (who, 0))
            # The newest connection's name is the one shown (a renamed profile shows up).
            room.identities[who.user_id] = (who, tabs + 1)
            return Arrival(who, tabs == 0, len(room.identities))

    def leave(self, room_id: str, connection_id: str) -> Departure | None:
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None or (user_id := room.connections.pop(connection_id, None)) is None:
                return None
            who, tabs = room.identities[user_id]
            if tabs > 1:
                room.identities[user_id] = (who, tabs - 1)
                return Departure(who, False, len(room.identities))
            del room.identities[user_id]
            was_typing = room.typing.pop(user_id, None) is not None
            online = len(room.identities)
            if not room.connections:
                del self._rooms[room_id]
                self._typing_rooms.discard(room_id)
            elif not room.typing:
                self._typing_rooms.discard(room_id)
            return Departure(who, True, online, was_typing)

    def count(self, room_id: str) -> int:
        with self._lock:
            room = self._rooms.get(room_id)
            return len(room.identities) if room else 0

    def online(self, room_id: str) -> list[Present]:
        with self._lock:
            room = self._rooms.get(room_id)
            return [who for who, _ in room.identities.values()] if room else []

    def set_typing(self, room_id: str, user_id: str, until_ms: int | None) -> bool:
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None or user_id not in room.identities:
                return False
            if until_ms is None:
                changed = room.typing.pop(user_id, None) is not None
                if not room.typing:
                    self._typing_rooms.discard(room_id)
                return changed
            changed = user_id not in room.typing
            room.typing[user_id] = until_ms
            self._typing_rooms.add(room_id)
            return changed

    def typing(self, room_id: str, now_ms: int) -> list[Present]:
        with self._lock:
            room = self._rooms.get(room_id)
            if room is None:
                return []
            return [
                room.identities[user_id][0]
                for user_id, until in room.typing.items()
                if until > now_ms
            ]

    def expire_typing(self, now_ms: int) -> list[str]:
        changed: list[str] = []
        with self._lock:
            for room_id in list(self._typing_rooms):
                room = self._rooms[room_id]
                ended = [user_id for user_id, until in room.typing.items() if until <= now_ms]
                for user_id in ended:
                    del room.typing[user_id]
                if ended:
                    changed.append(room_id)
                if not room.typing:
                    self._typing_rooms.discard(room_id)
        return changed

    def sweep(self) -> list[tuple[str, Departure]]:
        return []  # one process: its connections leave with it
