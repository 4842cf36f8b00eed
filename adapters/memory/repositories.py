"""Repositories over a MemoryStore: reads see committed state plus this unit's own writes."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence

from adapters.memory.store import MemoryStore
from domain.model.errors import Conflict, ErrorCode
from domain.model.members import Membership, UserProfile
from domain.model.messages import StoredMessage
from domain.model.rooms import Room


class MemoryRoomRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: dict[str, Room] = {}

    def get(self, room_id: str) -> Room | None:
        room = self.pending.get(room_id)
        if room is None:
            with self._store.lock:
                room = self._store.rooms.get(room_id)
        return dataclasses.replace(room) if room is not None else None

    def add(self, room: Room) -> None:
        if self.get(room.id) is not None:
            raise Conflict(ErrorCode.ROOM_EXISTS, "a room with this id already exists")
        self.pending[room.id] = dataclasses.replace(room)


class MemoryMessageRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: list[StoredMessage] = []

    def add(self, message: StoredMessage) -> None:
        self.pending.append(message)

    def add_many(self, messages: Sequence[StoredMessage]) -> None:
        self.pending.extend(messages)

    def page(self, room_id: str, limit: int, before: str | None = None) -> list[StoredMessage]:
        with self._store.lock:
            committed = self._store.page(room_id, limit, before)
        own = sorted(
            (m for m in self.pending if m.room_id == room_id and (before is None or m.id < before)),
            key=lambda m: m.id,
            reverse=True,
        )
        if not own:
            return committed
        merged = heapq.merge(committed, own, key=lambda m: m.id, reverse=True)
        return list(merged)[:limit]


class MemoryProfileRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: dict[str, UserProfile] = {}

    def get(self, user_id: str) -> UserProfile | None:
        if user_id in self.pending:
            return self.pending[user_id]
        with self._store.lock:
            return self._store.profiles.get(user_id)

    def put(self, profile: UserProfile) -> None:
        self.pending[profile.user_id] = profile


class MemoryMembershipRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: dict[tuple[str, str], Membership] = {}

    def get(self, room_id: str, user_id: str) -> Membership | None:
        key = (room_id, user_id)
        if key in self.pending:
            return self.pending[key]
        with self._store.lock:
            return self._store.memberships.get(key)

    def put(self, membership: Membership) -> None:
        self.pending[(membership.room_id, membership.user_id)] = membership
