"""The audit log in memory (ports.repositories.AuditRepository): appended on commit."""

from __future__ import annotations

from adapters.memory.store import MemoryStore
from domain.model.audit import AuditEntry


class MemoryAuditRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: list[AuditEntry] = []

    def add(self, entry: AuditEntry) -> None:
        self.pending.append(entry)

    def of_room(
        self, room_id: str, incarnation: str, limit: int, before: str | None = None
    ) -> list[AuditEntry]:
        with self._store.lock:
            rows = list(self._store.audit.get(room_id, ()))
        rows += [e for e in self.pending if e.room_id == room_id]
        found = [
            e for e in rows if e.incarnation == incarnation and (before is None or e.id < before)
        ]
        return sorted(found, key=lambda e: e.id, reverse=True)[:limit]

    def apply(self) -> None:
        """Caller holds the store's lock."""
        for entry in self.pending:
            self._store.audit.setdefault(entry.room_id or "", []).append(entry)
        self.pending.clear()
