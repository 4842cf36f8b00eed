"""Unit of work over a MemoryStore: writes are buffered and applied atomically on commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from adapters.memory.repositories import (
    MemoryMembershipRepository,
    MemoryMessageRepository,
    MemoryProfileRepository,
    MemoryRoomRepository,
)
from adapters.memory.store import MemoryStore
from domain.model.errors import Conflict, ErrorCode
from domain.model.events import Event


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.rooms = MemoryRoomRepository(store)
        self.messages = MemoryMessageRepository(store)
        self.profiles = MemoryProfileRepository(store)
        self.memberships = MemoryMembershipRepository(store)
        self._recorded: list[Event] = []
        self._released: list[Event] = []
        self._committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.rollback()

    def record(self, event: Event) -> None:
        self._recorded.append(event)

    def commit(self) -> None:
        store = self._store
        with store.lock:
            for room_id in self.rooms.pending:
                if room_id in store.rooms:
                    raise Conflict(ErrorCode.ROOM_EXISTS, "a room with this id already exists")
            store.rooms.update(self.rooms.pending)
            for message in self.messages.pending:
                store.insert_message(message)
            store.profiles.update(self.profiles.pending)
            store.memberships.update(self.memberships.pending)
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
        self.messages.pending.clear()
        self.profiles.pending.clear()
        self.memberships.pending.clear()


class MemoryUnitOfWorkFactory:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()

    def __call__(self, *, write: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)
