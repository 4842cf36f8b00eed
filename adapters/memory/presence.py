"""Presence of this process's connections, in memory."""

from __future__ import annotations

import threading


class MemoryPresenceStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[str, dict[str, str]] = {}

    def enter(self, room_id: str, connection_id: str, user_id: str) -> int:
        with self._lock:
            members = self._rooms.setdefault(room_id, {})
            members[connection_id] = user_id
            return len(members)

    def leave(self, room_id: str, connection_id: str) -> int | None:
        with self._lock:
            members = self._rooms.get(room_id)
            if members is None or members.pop(connection_id, None) is None:
                return None
            if not members:
                del self._rooms[room_id]
                return 0
            return len(members)

    def count(self, room_id: str) -> int:
        with self._lock:
            return len(self._rooms.get(room_id, ()))
