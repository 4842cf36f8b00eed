"""Messages and their reactions on SQLAlchemy Core: explicit rows in, domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.writes import insert_new
from domain.model.errors import ErrorCode, NotFound
from domain.model.messages import StoredMessage
from domain.model.reactions import Reactions, group

# Statements are built once: constructing and cache-keying a statement per call cost more
# than executing it (seen in profiles of the message hot path).
_INSERT_MESSAGE = insert(t.messages)
# Number `n` new messages of a room: the last number given, after them.
_BUMP_SEQ = (
    update(t.rooms)
    .where(t.rooms.c.id == bindparam("room"))
    .values(message_seq=t.rooms.c.message_seq + bindparam("n"))
    .returning(t.rooms.c.message_seq)
)
# Everything numbered before the room's last `keep`: one range on (room_id, seq).
_PRUNE = delete(t.messages).where(
    t.messages.c.room_id == bindparam("room"),
    t.messages.c.seq
    <= select(t.rooms.c.message_seq).where(t.rooms.c.id == bindparam("room")).scalar_subquery()
    - bindparam("keep"),
)
_PAGE = (
    select(t.messages)
    .where(t.messages.c.room_id == bindparam("room_id"))
    .order_by(t.messages.c.id.desc())
    .limit(bindparam("limit"))
)
_PAGE_BEFORE = (
    select(t.messages)
    .where(t.messages.c.room_id == bindparam("room_id"), t.messages.c.id < bindparam("before"))
    .order_by(t.messages.c.id.desc())
    .limit(bindparam("limit"))
)


def _message_row(message: StoredMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "room_id": message.room_id,
        "user_id": message.user_id,
        "username": message.username,
        "ciphertext": message.ciphertext,
        "created_at_ms": message.created_at_ms,
        "guest": message.guest,
        "edited_at_ms": message.edited_at_ms,
        "change_offset": message.offset,
    }


class SqlMessageRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, message: StoredMessage) -> None:
        self.add_many([message])

    def add_many(self, messages: Sequence[StoredMessage]) -> None:
        if not messages:
            return
        counts: dict[str, int] = {}
        for message in messages:
            counts[message.room_id] = counts.get(message.room_id, 0) + 1
        # One UPDATE ... RETURNING per room, in id order: on Postgres it locks the room's
        # row until commit (the same order in every batch, so two never deadlock).
        seq: dict[str, int] = {}
        for room_id in sorted(counts):
            last = self._conn.execute(_BUMP_SEQ, {"room": room_id, "n": counts[room_id]}).scalar()
            # No row: the room is gone, and the insert below fails on its foreign key.
            seq[room_id] = (last if last is not None else counts[room_id]) - counts[room_id]
        rows = []
        for message in messages:
            row = _message_row(message)
            seq[message.room_id] = row["seq"] = seq[message.room_id] + 1
            rows.append(row)
        # One executemany: the driver loops, not SQLAlchemy.
        self._conn.execute(_INSERT_MESSAGE, rows)

    def prune(self, room_id: str, keep: int) -> None:
        self._conn.execute(_PRUNE, {"room": room_id, "keep": keep})

    def page(self, room_id: str, limit: int, before: str | None = None) -> list[StoredMessage]:
        if before is None:
            rows = self._conn.execute(_PAGE, {"room_id": room_id, "limit": limit})
        else:
            rows = self._conn.execute(
                _PAGE_BEFORE, {"room_id": room_id, "before": before, "limit": limit}
            )
        return [_stored(row) for row in rows]

    def get(self, room_id: str, message_id: str) -> StoredMessage | None:
        ms = t.messages
        row = self._conn.execute(
            select(ms).where(ms.c.room_id == room_id, ms.c.id == message_id)
        ).first()
        return _stored(row) if row is not None else None

    def update_text(
        self, room_id: str, message_id: str, ciphertext: bytes, edited_at_ms: int, offset: int = 0
    ) -> None:
        ms = t.messages
        self._conn.execute(
            update(ms)
            .where(ms.c.room_id == room_id, ms.c.id == message_id)
            .values(ciphertext=ciphertext, edited_at_ms=edited_at_ms, change_offset=offset)
        )

    def set_offset(self, room_id: str, message_id: str, offset: int) -> None:
        ms = t.messages
        self._conn.execute(
            update(ms)
            .where(ms.c.room_id == room_id, ms.c.id == message_id)
            .values(change_offset=offset)
        )

    def sent(self, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        if not keys:
            return {}
        sm = t.sent_messages
        rows = self._conn.execute(
            select(sm).where(tuple_(sm.c.room_id, sm.c.user_id, sm.c.client_id).in_(list(keys)))
        )
        return {(r.room_id, r.user_id, r.client_id): r.message_id for r in rows}

    def remember_sent(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        if rows:
            names = ("room_id", "user_id", "client_id", "message_id")
            self._conn.execute(
                insert(t.sent_messages), [dict(zip(names, row, strict=True)) for row in rows]
            )

    # Reactions go too: explicit, as in SqlRoomRepository.delete, besides ON DELETE CASCADE.
    def delete(self, room_id: str, message_id: str) -> None:
        ms, rs = t.messages, t.message_reactions
        self._conn.execute(delete(rs).where(rs.c.room_id == room_id, rs.c.message_id == message_id))
        self._conn.execute(delete(ms).where(ms.c.room_id == room_id, ms.c.id == message_id))

    def clear(self, room_id: str) -> None:
        rs = t.message_reactions
        self._conn.execute(delete(rs).where(rs.c.room_id == room_id))
        self._conn.execute(delete(t.messages).where(t.messages.c.room_id == room_id))

    def count(self, room_id: str) -> int:
        ms = t.messages
        total = self._conn.execute(
            select(func.count()).select_from(ms).where(ms.c.room_id == room_id)
        ).scalar_one()
        return int(total)

    def ciphertexts(self, after: str | None, limit: int) -> list[tuple[str, str, bytes]]:
        query = _WALK if after is None else _WALK_AFTER
        rows = self._conn.execute(query, {"after": after, "limit": limit})
        return [(row.room_id, row.id, bytes(row.ciphertext)) for row in rows]

    def rekey(self, rows: Sequence[tuple[str, str, bytes, bytes]]) -> int:
        stored = 0
        for room_id, message_id, old, new in rows:
            # Compare-and-set on the ciphertext itself: a row edited since it was read keeps
            # its edit (written by a server under whatever key it had).
            result = self._conn.execute(
                _REKEY, {"m_room": room_id, "m_id": message_id, "old": old, "new": new}
            )
            stored += result.rowcount
        return stored


# A key rotation's walk: the primary key's order, one range per batch.
_WALK = (
    select(t.messages.c.room_id, t.messages.c.id, t.messages.c.ciphertext)
    .order_by(t.messages.c.id)
    .limit(bindparam("limit"))
)
_WALK_AFTER = _WALK.where(t.messages.c.id > bindparam("after"))
_REKEY = (
    update(t.messages)
    .where(
        t.messages.c.room_id == bindparam("m_room"),
        t.messages.c.id == bindparam("m_id"),
        t.messages.c.ciphertext == bindparam("old"),
    )
    .values(ciphertext=bindparam("new"))
)


def _stored(row: Row[Any]) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        room_id=row.room_id,
        user_id=row.user_id,
        username=row.username,
        ciphertext=bytes(row.ciphertext),
        created_at_ms=row.created_at_ms,
        guest=bool(row.guest),
        edited_at_ms=row.edited_at_ms,
        offset=row.change_offset,
    )


class SqlReactionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def toggle(
        self, room_id: str, message_id: str, user_id: str, reaction: str, at_ms: int
    ) -> bool:
        rs = t.message_reactions
        taken_back = self._conn.execute(
            delete(rs).where(
                rs.c.message_id == message_id,
                rs.c.user_id == user_id,
                rs.c.reaction == reaction,
                rs.c.room_id == room_id,
            )
        ).rowcount
        if taken_back:
            return False
        values = {
            "room_id": room_id,
            "message_id": message_id,
            "user_id": user_id,
            "reaction": reaction,
            "created_at_ms": at_ms,
        }
        try:
            with self._conn.begin_nested():
                # A concurrent toggle-on got there first: it stands.
                insert_new(self._conn, rs, values)
        except IntegrityError:  # the message was deleted meanwhile (its foreign key)
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this room") from None
        return True

    def of_messages(self, room_id: str, message_ids: Sequence[str]) -> dict[str, Reactions]:
        if not message_ids:
            return {}
        rs = t.message_reactions
        rows = self._conn.execute(
            select(rs.c.message_id, rs.c.user_id, rs.c.reaction, rs.c.created_at_ms).where(
                rs.c.room_id == room_id, rs.c.message_id.in_(list(message_ids))
            )
        )
        return group([(r.message_id, r.user_id, r.reaction, r.created_at_ms) for r in rows])
