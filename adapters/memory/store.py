"""In-memory storage: a real backend (isolation, atomic commit, copies out), not a mock."""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass, field

from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.addresses import RoomNetwork
from domain.model.audit import AuditEntry
from domain.model.members import Membership, UserProfile
from domain.model.messages import StoredMessage
from domain.model.page_sessions import PageSession, SessionCookie
from domain.model.rooms import Room


def _message_key(message: StoredMessage) -> str:
    return message.id


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change of a room's stream (domain/model/changes.py)."""

    offset: int
    name: str
    message_id: str | None
    data: bytes | None


@dataclass
class MemoryStore:
    """Committed state shared by every unit of work of one process; guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # Held by a writing unit of work from start to end (as SQLite has one writer at a
    # time): change offsets are given in the order units commit, never interleaved.
    writer: threading.RLock = field(default_factory=threading.RLock)
    rooms: dict[str, Room] = field(default_factory=dict)
    messages: dict[str, list[StoredMessage]] = field(default_factory=dict)  # sorted by id
    # Each room's message counter (how many it was ever given), and its messages' (number,
    # id) in number order: pruning keeps those numbered within the room's last `keep`.
    message_seq: dict[str, int] = field(default_factory=dict)
    numbered: dict[str, deque[tuple[int, str]]] = field(default_factory=dict)
    # room id -> message id -> {(user id, reaction): created_at_ms}; they go with the message
    reactions: dict[str, dict[str, dict[tuple[str, str], int]]] = field(default_factory=dict)
    profiles: dict[str, UserProfile] = field(default_factory=dict)
    memberships: dict[tuple[str, str], Membership] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    user_keys: dict[str, str] = field(default_factory=dict)  # username_key -> user_id
    refresh_families: dict[str, RefreshFamily] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)  # by token hash
    page_sessions: dict[str, PageSession] = field(default_factory=dict)
    session_cookies: dict[str, SessionCookie] = field(default_factory=dict)  # by value hash
    # room id -> user id -> the addresses it used, in order; room id -> (address, user id)
    # -> until (None: banned; else held by a kick until then)
    member_addresses: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    address_bans: dict[str, dict[tuple[str, str], int | None]] = field(default_factory=dict)
    networks: dict[str, dict[str, RoomNetwork]] = field(default_factory=dict)  # room -> network
    # Each room's change stream, by offset, and its last offset given.
    changes: dict[str, list[ChangeRow]] = field(default_factory=dict)
    change_head: dict[str, int] = field(default_factory=dict)
    # (room id, user id, client id) -> the message first sent under it; goes with the room.
    sent: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # room id ("" for an account's) -> its audit entries, in order; kept when the room goes.
    audit: dict[str, list[AuditEntry]] = field(default_factory=dict)

    def page(self, room_id: str, limit: int, before: str | None) -> list[StoredMessage]:
        """Newest first. Caller holds the lock."""
        rows = self.messages.get(room_id, [])
        end = len(rows) if before is None else bisect_left(rows, before, key=_message_key)
        start = max(0, end - limit)
        return rows[start:end][::-1]

    def insert_message(self, message: StoredMessage) -> None:
        """Store a message under its room's next number. Caller holds the lock."""
        seq = self.message_seq.get(message.room_id, 0) + 1
        self.message_seq[message.room_id] = seq
        self.numbered.setdefault(message.room_id, deque()).append((seq, message.id))
        insort(self.messages.setdefault(message.room_id, []), message, key=_message_key)

    def remove_messages(self, room_id: str, start: int = 0, end: int | None = None) -> None:
        """Remove the room's messages at positions start..end (all by default). Caller holds
        the lock."""
        # The one way messages leave the store (deleted, cleared, pruned, or with their room),
        # so whatever hangs off a message goes here too.
        rows = self.messages.get(room_id)
        if not rows:
            return
        if start == 0 and end is None:
            self.numbered.pop(room_id, None)  # nothing left to number
            self.reactions.pop(room_id, None)
        elif reactions := self.reactions.get(room_id):
            for row in rows[start:end]:
                reactions.pop(row.id, None)
        del rows[start:end]

    def prune(self, room_id: str, keep: int) -> None:
        """Remove the room's messages numbered before its last `keep` (a deleted message's
        number counts all the same). Caller holds the lock."""
        # Costs what it removes: usually the oldest, at the front, so one slice.
        queue = self.numbered.get(room_id)
        oldest_kept = self.message_seq.get(room_id, 0) - keep + 1
        doomed: list[int] = []
        while queue and queue[0][0] < oldest_kept:
            at = self.find_message(room_id, queue.popleft()[1])
            if at is not None:
                doomed.append(at)
        doomed.sort()
        if doomed and doomed[-1] == len(doomed) - 1:  # the leading run
            self.remove_messages(room_id, 0, len(doomed))
        else:
            for at in reversed(doomed):
                self.remove_messages(room_id, at, at + 1)

    def find_message(self, room_id: str, message_id: str) -> int | None:
        """The index of a message in its room's list, or None. Caller holds the lock."""
        rows = self.messages.get(room_id, [])
        at = bisect_left(rows, message_id, key=_message_key)
        return at if at < len(rows) and rows[at].id == message_id else None

    def delete_room(self, room_id: str) -> None:
        """The room, its messages and memberships. Caller holds the lock."""
        self.rooms.pop(room_id, None)
        self.remove_messages(room_id)
        self.messages.pop(room_id, None)
        self.message_seq.pop(room_id, None)
        self.reactions.pop(room_id, None)
        for key in [key for key in self.memberships if key[0] == room_id]:
            del self.memberships[key]
        self.member_addresses.pop(room_id, None)
        self.address_bans.pop(room_id, None)
        self.networks.pop(room_id, None)
        self.changes.pop(room_id, None)
        self.change_head.pop(room_id, None)
        for sent in [sent for sent in self.sent if sent[0] == room_id]:
            del self.sent[sent]
        gone = {s.session_id for s in self.page_sessions.values() if s.room_id == room_id}
        for session_id in gone:
            del self.page_sessions[session_id]
        for token_hash in [h for h, c in self.session_cookies.items() if c.session_id in gone]:
            del self.session_cookies[token_hash]
