"""Rooms' change streams and sends' idempotency keys on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from adapters.sqlalchemy import tables as t
from domain.model.changes import NewChange, StoredChange, prune_due
from domain.model.messages import StoredMessage

_rc, _ms = t.room_changes, t.messages

# Give `n` changes of a room their offsets: the last one given, after them. On Postgres
# it locks the room's row until commit, so writers number a room's changes in turn.
_BUMP = (
    update(t.rooms)
    .where(t.rooms.c.id == bindparam("room"))
    .values(change_offset=t.rooms.c.change_offset + bindparam("n"))
    .returning(t.rooms.c.change_offset)
)
_LOCK = (
    select(t.rooms.c.id)
    .where(t.rooms.c.id.in_(bindparam("rooms", expanding=True)))
    .order_by(t.rooms.c.id)
    .with_for_update()
)
_HEAD = select(t.rooms.c.change_offset).where(t.rooms.c.id == bindparam("room"))
_INSERT = insert(_rc)
_PRUNE = delete(_rc).where(_rc.c.room_id == bindparam("room"), _rc.c.seq <= bindparam("upto"))
# One range of the primary key, each change with its message as it is now (if any).
_AFTER = (
    select(
        _rc.c.seq,
        _rc.c.event,
        _rc.c.message_id,
        _rc.c.data,
        _ms.c.id.label("m_id"),
        _ms.c.user_id,
        _ms.c.username,
        _ms.c.ciphertext,
        _ms.c.created_at_ms,
        _ms.c.guest,
        _ms.c.edited_at_ms,
        _ms.c.change_offset,
    )
    .select_from(
        _rc.outerjoin(_ms, and_(_ms.c.id == _rc.c.message_id, _ms.c.room_id == _rc.c.room_id))
    )
    .where(_rc.c.room_id == bindparam("room"), _rc.c.seq > bindparam("after"))
    .order_by(_rc.c.seq)
    .limit(bindparam("limit"))
)


class SqlChangeRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock(self, room_ids: Sequence[str]) -> None:
        # SELECT ... FOR UPDATE on Postgres, in id order (as every bump: no deadlock);
        # SQLite's IMMEDIATE transaction is the one writer already.
        if room_ids:
            self._conn.execute(_LOCK, {"rooms": list(room_ids)})

    def append(self, room_id: str, changes: Sequence[NewChange], keep: int) -> list[int]:
        if not changes:
            return []
        n = len(changes)
        last = self._conn.execute(_BUMP, {"room": room_id, "n": n}).scalar()
        # No row: the room is gone, and the insert below fails on its foreign key.
        last = last if last is not None else n
        offsets = list(range(last - n + 1, last + 1))
        rows = [
            {
                "room_id": room_id,
                "seq": offset,
                "event": change.name,
                "message_id": change.message_id,
                "data": change.data,
            }
            for offset, change in zip(offsets, changes, strict=True)
        ]
        self._conn.execute(_INSERT, rows)
        if prune_due(last - n, last, keep):
            self._conn.execute(_PRUNE, {"room": room_id, "upto": last - keep})
        return offsets

    def head(self, room_id: str) -> int:
        found = self._conn.execute(_HEAD, {"room": room_id}).scalar()
        return int(found) if found is not None else 0

    def after(self, room_id: str, offset: int, limit: int) -> list[StoredChange]:
        rows = self._conn.execute(_AFTER, {"room": room_id, "after": offset, "limit": limit})
        return [_change(room_id, row) for row in rows]


def _change(room_id: str, row: Any) -> StoredChange:
    message = None
    if row.m_id is not None:
        message = StoredMessage(
            id=row.m_id,
            room_id=room_id,
            user_id=row.user_id,
            username=row.username,
            ciphertext=bytes(row.ciphertext),
            created_at_ms=row.created_at_ms,
            guest=bool(row.guest),
            edited_at_ms=row.edited_at_ms,
            offset=row.change_offset,
        )
    data = bytes(row.data) if row.data is not None else None
    return StoredChange(row.seq, row.event, row.message_id, data, message)
