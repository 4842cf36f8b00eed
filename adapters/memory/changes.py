"""Each room's change stream in a MemoryStore (domain/model/changes.py)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from adapters.memory.store import ChangeRow, MemoryStore
from domain.model.changes import NewChange, StoredChange, prune_due


class MemoryChangeRepository:
    """Numbers changes as they are appended; a rolled-back unit's offsets are given again."""

    # No other unit numbers changes meanwhile: a writing unit of work holds the store's
    # `writer` lock from start to end (MemoryUnitOfWork).
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: list[tuple[str, ChangeRow]] = []  # (room id, row), on commit
        self.pruned: list[tuple[str, int]] = []  # (room id, keep), on commit, after appends
        self.heads: dict[str, int] = {}  # this unit's last offset per room

    def lock(self, room_ids: Sequence[str]) -> None:
        """Nothing to do: the unit holds the store's writer lock already."""

    def head(self, room_id: str) -> int:
        if room_id in self.heads:
            return self.heads[room_id]
        with self._store.lock:
            return self._store.change_head.get(room_id, 0)

    def append(self, room_id: str, changes: Sequence[NewChange], keep: int) -> list[int]:
        before = self.head(room_id)
        offsets = list(range(before + 1, before + 1 + len(changes)))
        self.heads[room_id] = before + len(changes)
        for offset, change in zip(offsets, changes, strict=True):
            self.pending.append(
                (room_id, ChangeRow(offset, change.name, change.message_id, change.data))
            )
        if prune_due(before, self.heads[room_id], keep):
            self.pruned.append((room_id, keep))
        return offsets

    def after(self, room_id: str, offset: int, limit: int) -> list[StoredChange]:
        store = self._store
        with store.lock:
            rows = store.changes.get(room_id, [])
            at = bisect_right(rows, offset, key=lambda row: row.offset)
            out = []
            for row in rows[at : at + limit]:
                found = store.find_message(room_id, row.message_id) if row.message_id else None
                message = store.messages[room_id][found] if found is not None else None
                out.append(StoredChange(row.offset, row.name, row.message_id, row.data, message))
        return out

    def apply(self) -> None:
        """On commit, under the store lock; a room gone meanwhile keeps nothing."""
        store = self._store
        for room_id, row in self.pending:
            if room_id in store.rooms:
                store.changes.setdefault(room_id, []).append(row)
                store.change_head[room_id] = row.offset
        for room_id, keep in self.pruned:
            rows = store.changes.get(room_id)
            if rows:
                oldest_kept = store.change_head[room_id] - keep + 1
                del rows[: bisect_right(rows, oldest_kept - 1, key=lambda row: row.offset)]

    def clear(self) -> None:
        self.pending.clear()
        self.pruned.clear()
        self.heads.clear()
