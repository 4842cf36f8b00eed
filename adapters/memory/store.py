"""In-memory storage: a real backend (isolation, atomic commit, copies out), not a mock."""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Collection
from dataclasses import dataclass, field

from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.addresses import RoomNetwork
from domain.model.members import Membership, UserProfile
from domain.model.messages import StoredMessage
from domain.model.rooms import Room


def _message_key(message: StoredMessage) -> str:
    return message.id


@dataclass
class MemoryStore:
    """Committed state shared by every unit of work of one process; guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    rooms: dict[str, Room] = field(default_factory=dict)
    messages: dict[str, list[StoredMessage]] = field(default_factory=dict)  # sorted by id
    # room id -> message id -> {(user id, reaction): created_at_ms}; they go with the message
    reactions: dict[str, dict[str, dict[tuple[str, str], int]]] = field(default_factory=dict)
    profiles: dict[str, UserProfile] = field(default_factory=dict)
    memberships: dict[tuple[str, str], Membership] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    user_keys: dict[str, str] = field(default_factory=dict)  # username_key -> user_id
    refresh_families: dict[str, RefreshFamily] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)  # by token hash
    # room id -> user id -> the addresses it used, in order; room id -> {(address, user id)}
    member_addresses: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    address_bans: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    networks: dict[str, dict[str, RoomNetwork]] = field(default_factory=dict)  # room -> network

    def page(self, room_id: str, limit: int, before: str | None) -> list[StoredMessage]:
        """Newest first. Caller holds the lock."""
        rows = self.messages.get(room_id, [])
        end = len(rows) if before is None else bisect_left(rows, before, key=_message_key)
        start = max(0, end - limit)
        return rows[start:end][::-1]

    def insert_message(self, message: StoredMessage) -> None:
        """Caller holds the lock."""
        insort(self.messages.setdefault(message.room_id, []), message, key=_message_key)

    def find_message(self, room_id: str, message_id: str) -> int | None:
        """The index of a message in its room's list, or None. Caller holds the lock."""
        rows = self.messages.get(room_id, [])
        at = bisect_left(rows, message_id, key=_message_key)
        return at if at < len(rows) and rows[at].id == message_id else None

    def drop_messages(self, room_id: str, message_ids: Collection[str] | None = None) -> None:
        """Delete these messages of the room (every one when None) with their reactions:
        the one way messages leave the store (a deletion, a cleared history, a deleted
        room), as ON DELETE CASCADE does in SQL. Caller holds the lock."""
        if message_ids is None:
            self.messages.pop(room_id, None)
            self.reactions.pop(room_id, None)
            return
        gone = set(message_ids)
        rows = self.messages.get(room_id)
        if rows is not None:
            rows[:] = [row for row in rows if row.id not in gone]
        reactions = self.reactions.get(room_id)
        if reactions:
            for message_id in gone:
                reactions.pop(message_id, None)

    def delete_room(self, room_id: str) -> None:
        """The room, its messages and memberships. Caller holds the lock."""
        self.rooms.pop(room_id, None)
        self.drop_messages(room_id)
        for key in [key for key in self.memberships if key[0] == room_id]:
            del self.memberships[key]
        self.member_addresses.pop(room_id, None)
        self.address_bans.pop(room_id, None)
        self.networks.pop(room_id, None)
