"""Repositories over a MemoryStore: reads see committed state plus this unit's own writes."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence

from adapters.memory.store import MemoryStore
from domain.model.addresses import RoomNetwork
from domain.model.errors import Conflict, ErrorCode
from domain.model.members import Membership, Standing, UserProfile, barred_by
from domain.model.messages import StoredMessage
from domain.model.reactions import Reactions, group
from domain.model.rooms import Room
from ports.repositories import MAX_ADDRESSES_PER_MEMBER


class MemoryRoomRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: dict[str, Room] = {}  # new rooms
        # Changes to existing rooms, by id: the room as updated, or None once deleted; each
        # applies on commit only to the incarnation it was made against (`incarnations`).
        self.changed: dict[str, Room | None] = {}
        self.incarnations: dict[str, str] = {}

    def get(self, room_id: str) -> Room | None:
        if room_id in self.changed:
            room = self.changed[room_id]
        else:
            room = self.pending.get(room_id)
            if room is None:
                with self._store.lock:
                    room = self._store.rooms.get(room_id)
        return dataclasses.replace(room) if room is not None else None

    def get_many(self, room_ids: Sequence[str]) -> dict[str, Room]:
        found = {room_id: self.get(room_id) for room_id in room_ids}
        return {room_id: room for room_id, room in found.items() if room is not None}

    def add(self, room: Room) -> None:
        if self.get(room.id) is not None:
            raise Conflict(ErrorCode.ROOM_EXISTS, "a room with this id already exists")
        self.pending[room.id] = dataclasses.replace(room)

    def update(self, room: Room) -> None:
        self.changed[room.id] = dataclasses.replace(room)
        self.incarnations[room.id] = room.incarnation

    def delete(self, room_id: str, incarnation: str) -> None:
        self.changed[room_id] = None
        self.incarnations[room_id] = incarnation


class MemoryMessageRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: list[StoredMessage] = []
        self.deleted: list[tuple[str, str]] = []  # (room id, message id), on commit
        self.cleared: list[str] = []  # room ids, on commit
        self.pruned: list[tuple[str, int]] = []  # (room id, keep), on commit, after inserts
        # (room id, message id) -> (ciphertext, edited_at_ms, offset), on commit
        self.edits: dict[tuple[str, str], tuple[bytes, int, int]] = {}
        self.offsets: dict[tuple[str, str], int] = {}  # (room id, message id) -> offset
        self.sent_rows: list[tuple[str, str, str, str]] = []  # remember_sent's, on commit
        self.rekeyed: list[tuple[str, str, bytes, bytes]] = []  # rekey's, on commit

    def _edited(self, message: StoredMessage) -> StoredMessage:
        edit = self.edits.get((message.room_id, message.id))
        if edit is None:
            return message
        return dataclasses.replace(
            message, ciphertext=edit[0], edited_at_ms=edit[1], offset=edit[2]
        )

    def get(self, room_id: str, message_id: str) -> StoredMessage | None:
        for message in self.pending:
            if message.room_id == room_id and message.id == message_id:
                return self._edited(message)
        with self._store.lock:
            at = self._store.find_message(room_id, message_id)
            found = self._store.messages[room_id][at] if at is not None else None
        return self._edited(found) if found is not None else None

    def update_text(
        self, room_id: str, message_id: str, ciphertext: bytes, edited_at_ms: int, offset: int = 0
    ) -> None:
        self.edits[(room_id, message_id)] = (ciphertext, edited_at_ms, offset)

    def set_offset(self, room_id: str, message_id: str, offset: int) -> None:
        self.offsets[(room_id, message_id)] = offset

    def sent(self, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        with self._store.lock:
            found = {key: self._store.sent[key] for key in keys if key in self._store.sent}
        own = {(r, u, c): m for r, u, c, m in self.sent_rows}
        return found | {key: own[key] for key in keys if key in own}

    def remember_sent(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        self.sent_rows.extend(rows)

    def ciphertexts(self, after: str | None, limit: int) -> list[tuple[str, str, bytes]]:
        with self._store.lock:
            rows = [
                (m.room_id, m.id, m.ciphertext)
                for messages in self._store.messages.values()
                for m in messages
                if after is None or m.id > after
            ]
        return heapq.nsmallest(limit, rows, key=lambda row: row[1])

    def rekey(self, rows: Sequence[tuple[str, str, bytes, bytes]]) -> int:
        stored = 0
        for room_id, message_id, old, new in rows:
            found = self.get(room_id, message_id)
            if found is not None and found.ciphertext == old:
                self.rekeyed.append((room_id, message_id, old, new))
                stored += 1
        return stored

    def apply_edits(self) -> None:
        """On commit, under the store lock: a message deleted meanwhile stays deleted."""
        found = self._store.find_message
        for room_id, message_id, old, new in self.rekeyed:  # still `old`: as SQL compares
            at = found(room_id, message_id)
            rows = self._store.messages.get(room_id, [])
            if at is not None and rows[at].ciphertext == old:
                rows[at] = dataclasses.replace(rows[at], ciphertext=new)
        for (room_id, message_id), (ciphertext, edited_at_ms, offset) in self.edits.items():
            if (at := found(room_id, message_id)) is not None:
                rows = self._store.messages[room_id]
                rows[at] = dataclasses.replace(
                    rows[at], ciphertext=ciphertext, edited_at_ms=edited_at_ms, offset=offset
                )
        for (room_id, message_id), offset in self.offsets.items():  # reactions
            if (at := found(room_id, message_id)) is not None:
                rows = self._store.messages[room_id]
                rows[at] = dataclasses.replace(rows[at], offset=offset)

    def delete(self, room_id: str, message_id: str) -> None:
        self.deleted.append((room_id, message_id))

    def clear(self, room_id: str) -> None:
        self.cleared.append(room_id)

    def prune(self, room_id: str, keep: int) -> None:
        self.pruned.append((room_id, keep))

    def count(self, room_id: str) -> int:
        with self._store.lock:
            committed = len(self._store.messages.get(room_id, ()))
        return committed + sum(1 for m in self.pending if m.room_id == room_id)

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
            return [self._edited(m) for m in committed] if self.edits else committed
        merged = heapq.merge(committed, own, key=lambda m: m.id, reverse=True)
        return [self._edited(m) for m in list(merged)[:limit]]


class MemoryReactionRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        # (room id, message id, user id, reaction) -> created_at_ms, or None once taken
        # back; on commit
        self.pending: dict[tuple[str, str, str, str], int | None] = {}

    def _rows(self, room_id: str, message_ids: set[str]) -> dict[tuple[str, str, str], int]:
        with self._store.lock:
            committed = self._store.reactions.get(room_id, {})
            rows = {
                (message_id, user_id, reaction): at
                for message_id in message_ids
                for (user_id, reaction), at in committed.get(message_id, {}).items()
            }
        for (room, message_id, user_id, reaction), at in self.pending.items():
            if room == room_id and message_id in message_ids:
                if at is None:
                    rows.pop((message_id, user_id, reaction), None)
                else:
                    rows[(message_id, user_id, reaction)] = at
        return rows

    def toggle(
        self, room_id: str, message_id: str, user_id: str, reaction: str, at_ms: int
    ) -> bool:
        held = (message_id, user_id, reaction) in self._rows(room_id, {message_id})
        self.pending[(room_id, message_id, user_id, reaction)] = None if held else at_ms
        return not held

    def of_messages(self, room_id: str, message_ids: Sequence[str]) -> dict[str, Reactions]:
        rows = self._rows(room_id, set(message_ids))
        return group([(m, u, r, at) for (m, u, r), at in rows.items()])

    def apply(self) -> None:
        """On commit, under the store lock, after the messages: a reaction to a message
        gone meanwhile is dropped with it."""
        store = self._store
        for (room_id, message_id, user_id, reaction), at in self.pending.items():
            if at is None:
                held = store.reactions.get(room_id, {}).get(message_id, {})
                held.pop((user_id, reaction), None)
                if not held:
                    store.reactions.get(room_id, {}).pop(message_id, None)
            elif store.find_message(room_id, message_id) is not None:
                of_room = store.reactions.setdefault(room_id, {})
                of_room.setdefault(message_id, {}).setdefault((user_id, reaction), at)


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
        self.pending: dict[tuple[str, str], Membership | None] = {}  # None: deleted

    def get(self, room_id: str, user_id: str) -> Membership | None:
        key = (room_id, user_id)
        if key in self.pending:
            return self.pending[key]
        with self._store.lock:
            return self._store.memberships.get(key)

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Membership]:
        found = {key: self.get(*key) for key in keys}
        return {key: m for key, m in found.items() if m is not None}

    def put(self, membership: Membership) -> None:
        self.pending[(membership.room_id, membership.user_id)] = membership

    def delete(self, room_id: str, user_id: str) -> None:
        self.pending[(room_id, user_id)] = None

    def in_room(self, room_id: str) -> list[Membership]:
        with self._store.lock:
            found: dict[tuple[str, str], Membership | None] = {
                k: m for k, m in self._store.memberships.items() if k[0] == room_id
            }
        found.update({k: m for k, m in self.pending.items() if k[0] == room_id})
        return sorted((m for m in found.values() if m is not None), key=lambda m: m.user_id)


class MemoryAddressRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.recorded: list[tuple[str, str, str]] = []  # (room, user, address), on commit
        # (room, address, user, until: None for a ban, a kick's end), on commit
        self.bans: list[tuple[str, str, str, int | None]] = []
        self.unbanned: list[tuple[str, str]] = []  # (room, user), on commit

    def record(self, room_id: str, user_id: str, address: str, at_ms: int) -> None:
        self.recorded.append((room_id, user_id, address))

    def of_member(self, room_id: str, user_id: str) -> list[str]:
        with self._store.lock:
            known = list(self._store.member_addresses.get(room_id, {}).get(user_id, []))
        for room, user, address in self.recorded:
            if (room, user) == (room_id, user_id) and address not in known:
                known.append(address)
        return known[:MAX_ADDRESSES_PER_MEMBER]

    def ban(
        self, room_id: str, address: str, user_id: str, at_ms: int, until_ms: int | None = None
    ) -> None:
        self.bans.append((room_id, address, user_id, until_ms))

    def barred(self, room_id: str, address: str, now_ms: int) -> Standing | None:
        with self._store.lock:
            held = dict(self._store.address_bans.get(room_id, {}))
        for room, banned, user, until in self.bans:
            if room == room_id:
                held[(banned, user)] = until
        return barred_by([until for (a, _), until in held.items() if a == address], now_ms)

    def unban_member(self, room_id: str, user_id: str) -> None:
        self.unbanned.append((room_id, user_id))

    def apply(self) -> None:
        """On commit, under the store lock."""
        store = self._store
        for room_id, user_id, address in self.recorded:
            if room_id not in store.rooms:
                continue  # rows go with their room
            used = store.member_addresses.setdefault(room_id, {}).setdefault(user_id, [])
            if address not in used and len(used) < MAX_ADDRESSES_PER_MEMBER:
                used.append(address)
        for room_id, address, user_id, until in self.bans:
            if room_id in store.rooms:
                store.address_bans.setdefault(room_id, {})[(address, user_id)] = until
        for room_id, user_id in self.unbanned:
            bans = store.address_bans.get(room_id, {})
            for ban in [ban for ban in bans if ban[1] == user_id]:
                del bans[ban]

    def clear(self) -> None:
        self.recorded.clear()
        self.bans.clear()
        self.unbanned.clear()


class MemoryNetworkRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: dict[tuple[str, str], RoomNetwork | None] = {}  # None: deleted

    def of_room(self, room_id: str) -> list[RoomNetwork]:
        with self._store.lock:
            found: dict[str, RoomNetwork | None] = dict(self._store.networks.get(room_id, {}))
        for (room, network), entry in self.pending.items():
            if room == room_id:
                found[network] = entry
        return [entry for _, entry in sorted(found.items()) if entry is not None]

    def put(self, entry: RoomNetwork) -> None:
        self.pending[(entry.room_id, entry.network)] = entry

    def delete(self, room_id: str, network: str) -> None:
        self.pending[(room_id, network)] = None

    def apply(self) -> None:
        """On commit, under the store lock."""
        for (room_id, network), entry in self.pending.items():
            if room_id not in self._store.rooms:
                continue  # rows go with their room
            entries = self._store.networks.setdefault(room_id, {})
            if entry is None:
                entries.pop(network, None)
            else:
                entries[network] = entry
