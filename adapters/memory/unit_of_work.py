"""Unit of work over a MemoryStore: writes are buffered and applied atomically on commit."""

from __future__ import annotations

import dataclasses
from types import TracebackType
from typing import Self

from adapters.memory.accounts import MemoryRefreshTokenRepository, MemoryUserRepository
from adapters.memory.audit import MemoryAuditRepository
from adapters.memory.changes import MemoryChangeRepository
from adapters.memory.page_sessions import MemoryPageSessionRepository
from adapters.memory.repositories import (
    MemoryAddressRepository,
    MemoryMembershipRepository,
    MemoryMessageRepository,
    MemoryNetworkRepository,
    MemoryProfileRepository,
    MemoryReactionRepository,
    MemoryRoomRepository,
)
from adapters.memory.store import MemoryStore
from domain.model.errors import Conflict, ErrorCode, Unauthorized
from domain.model.events import Event


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore, write: bool = False) -> None:
        self._store = store
        self._write = write
        self.changes = MemoryChangeRepository(store)
        self.rooms = MemoryRoomRepository(store)
        self.messages = MemoryMessageRepository(store)
        self.reactions = MemoryReactionRepository(store)
        self.profiles = MemoryProfileRepository(store)
        self.memberships = MemoryMembershipRepository(store)
        self.users = MemoryUserRepository(store)
        self.refresh_tokens = MemoryRefreshTokenRepository(store)
        self.addresses = MemoryAddressRepository(store)
        self.networks = MemoryNetworkRepository(store)
        self.page_sessions = MemoryPageSessionRepository(store)
        self.audit = MemoryAuditRepository(store)
        self._recorded: list[Event] = []
        self._released: list[Event] = []
        self._committed = False

    def __enter__(self) -> Self:
        if self._write:
            self._store.writer.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.rollback()
        finally:
            if self._write:
                self._store.writer.release()

    def record(self, event: Event) -> None:
        self._recorded.append(event)

    def commit(self) -> None:
        store = self._store
        with store.lock:
            # Every check first, then every write: a refused commit changes nothing.
            for room_id in self.rooms.pending:
                if room_id in store.rooms:
                    raise Conflict(ErrorCode.ROOM_EXISTS, "a room with this id already exists")
            for user in self.users.pending.values():
                new = user.user_id in self.users.added
                if new and user.user_id in store.users:
                    raise Conflict(ErrorCode.USER_ID_TAKEN, "this user id is taken")
                if store.user_keys.get(user.username_key, user.user_id) != user.user_id:
                    raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
            for token_hash in self.refresh_tokens.marked_used:
                # Another unit rotated this token since we read it: what SQL's conditional
                # UPDATE would have told us then, we learn here.
                if store.refresh_tokens[token_hash].used:
                    raise Unauthorized(
                        ErrorCode.INVALID_REFRESH_TOKEN, "the refresh token is not valid"
                    )
            self.page_sessions.check()
            store.rooms.update(self.rooms.pending)
            for room_id, changed in self.rooms.changed.items():
                stored = store.rooms.get(room_id)
                if stored is None or stored.incarnation != self.rooms.incarnations[room_id]:
                    continue  # deleted, or re-created, meanwhile: not the room we changed
                if changed is None:
                    store.delete_room(room_id)
                else:
                    store.rooms[room_id] = changed
            for room_id in self.messages.cleared:
                store.remove_messages(room_id)
            for room_id, message_id in self.messages.deleted:
                at = store.find_message(room_id, message_id)
                if at is not None:
                    store.remove_messages(room_id, at, at + 1)
            for message in self.messages.pending:
                store.insert_message(message)
            for room_id, keep in self.messages.pruned:
                store.prune(room_id, keep)
            self.messages.apply_edits()
            for room_id, user_id, client_id, message_id in self.messages.sent_rows:
                store.sent[(room_id, user_id, client_id)] = message_id
            self.changes.apply()
            self.reactions.apply()
            store.profiles.update(self.profiles.pending)
            for key, membership in self.memberships.pending.items():
                if membership is None:
                    store.memberships.pop(key, None)
                else:
                    store.memberships[key] = membership
            self.addresses.apply()
            self.networks.apply()
            for user in self.users.pending.values():
                before = store.users.get(user.user_id)
                if before is not None:  # an update: a rename frees the old key
                    store.user_keys.pop(before.username_key, None)
                store.users[user.user_id] = user
                store.user_keys[user.username_key] = user.user_id
            for family in self.refresh_tokens.pending_families.values():
                current = store.refresh_families.get(family.family_id)
                # A revocation is never undone by a unit that read the family before it.
                revoked = family.revoked or (current is not None and current.revoked)
                store.refresh_families[family.family_id] = dataclasses.replace(
                    family, revoked=revoked
                )
            store.refresh_tokens.update(self.refresh_tokens.pending_tokens)
            self.page_sessions.apply()
            self.audit.apply()
        self._clear()
        self._released, self._recorded = self._recorded, []
        self._committed = True

    def rollback(self) -> None:
        self._clear()
        self._recorded = []

    def collect_events(self) -> list[Event]:
        released, self._released = self._released, []
        return released

    def _clear(self) -> None:
        self.rooms.pending.clear()
        self.rooms.changed.clear()
        self.rooms.incarnations.clear()
        self.messages.pending.clear()
        self.messages.deleted.clear()
        self.messages.cleared.clear()
        self.messages.pruned.clear()
        self.messages.edits.clear()
        self.messages.offsets.clear()
        self.messages.sent_rows.clear()
        self.changes.clear()
        self.reactions.pending.clear()
        self.profiles.pending.clear()
        self.memberships.pending.clear()
        self.users.pending.clear()
        self.users.added.clear()
        self.refresh_tokens.pending_families.clear()
        self.refresh_tokens.pending_tokens.clear()
        self.refresh_tokens.marked_used.clear()
        self.addresses.clear()
        self.networks.pending.clear()
        self.page_sessions.clear()
        self.audit.pending.clear()


class MemoryUnitOfWorkFactory:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()

    def __call__(self, *, write: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, write)
