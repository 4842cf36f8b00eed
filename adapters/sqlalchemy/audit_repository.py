"""The audit log in SQL (ports.repositories.AuditRepository)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from adapters.sqlalchemy import tables as t
from domain.model.audit import AuditAction, AuditEntry


class SqlAuditRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entry: AuditEntry) -> None:
        self._conn.execute(
            insert(t.audit_log).values(
                id=entry.id,
                at_ms=entry.at_ms,
                action=entry.action.value,
                actor=entry.actor,
                room_id=entry.room_id,
                incarnation=entry.incarnation,
                target=entry.target,
                address=entry.address,
                detail=entry.detail,
            )
        )

    def of_room(
        self, room_id: str, incarnation: str, limit: int, before: str | None = None
    ) -> list[AuditEntry]:
        a = t.audit_log
        query = select(a).where(a.c.room_id == room_id, a.c.incarnation == incarnation)
        if before is not None:
            query = query.where(a.c.id < before)
        rows = self._conn.execute(query.order_by(a.c.id.desc()).limit(limit))
        return [
            AuditEntry(
                row.id,
                row.at_ms,
                AuditAction(row.action),
                row.actor,
                row.room_id,
                row.incarnation,
                row.target,
                row.address,
                row.detail,
            )
            for row in rows
        ]
