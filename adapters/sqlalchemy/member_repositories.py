"""Memberships and the addresses members used, on SQLAlchemy Core."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, select, tuple_

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.writes import insert_new, upsert
from domain.model.members import Membership, Role, Standing, barred_by
from ports.repositories import MAX_ADDRESSES_PER_MEMBER

# Statements are built once: constructing and cache-keying a statement per call cost more
# than executing it (seen in profiles of the message hot path).
_MEMBERSHIP = select(t.memberships).where(
    t.memberships.c.room_id == bindparam("room_id"), t.memberships.c.user_id == bindparam("user_id")
)


# ... and so are those reading many rows by key, once per number of keys (a batch has at most
# MAX_BATCH): an IN list of plain parameters (room_repositories.py says why).
@functools.lru_cache(maxsize=256)
def _memberships_by_keys(n: int) -> Any:
    ms = t.memberships
    keys = [tuple_(bindparam(f"r{i}"), bindparam(f"u{i}")) for i in range(n)]
    return select(ms).where(tuple_(ms.c.room_id, ms.c.user_id).in_(keys))


class SqlMembershipRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Membership]:
        if len(keys) == 1:
            found = self.get(*keys[0])
            return {keys[0]: found} if found is not None else {}
        params: dict[str, str] = {}
        for i, (room_id, user_id) in enumerate(keys):
            params[f"r{i}"], params[f"u{i}"] = room_id, user_id
        rows = self._conn.execute(_memberships_by_keys(len(keys)), params)
        return {(row.room_id, row.user_id): _membership(row) for row in rows}

    def get(self, room_id: str, user_id: str) -> Membership | None:
        row = self._conn.execute(_MEMBERSHIP, {"room_id": room_id, "user_id": user_id}).first()
        return _membership(row) if row is not None else None

    def put(self, membership: Membership) -> None:
        upsert(
            self._conn,
            t.memberships,
            {
                "room_id": membership.room_id,
                "user_id": membership.user_id,
                "role": membership.role.value,
                "created_at_ms": membership.created_at_ms,
                "incarnation": membership.incarnation,
                "standing": membership.standing.value,
                "until_ms": membership.until_ms,
            },
            ["room_id", "user_id"],
        )

    def delete(self, room_id: str, user_id: str) -> None:
        ms = t.memberships
        self._conn.execute(delete(ms).where(ms.c.room_id == room_id, ms.c.user_id == user_id))

    def in_room(self, room_id: str) -> list[Membership]:
        ms = t.memberships
        rows = self._conn.execute(select(ms).where(ms.c.room_id == room_id).order_by(ms.c.user_id))
        return [_membership(row) for row in rows]


def _membership(row: Row[Any]) -> Membership:
    return Membership(
        row.room_id,
        row.user_id,
        Role(row.role),
        row.created_at_ms,
        row.incarnation,
        Standing(row.standing),
        row.until_ms,
    )


class SqlAddressRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, room_id: str, user_id: str, address: str, at_ms: int) -> None:
        used = self.of_member(room_id, user_id)
        if address in used or len(used) >= MAX_ADDRESSES_PER_MEMBER:
            return
        insert_new(
            self._conn,
            t.member_addresses,
            {"room_id": room_id, "user_id": user_id, "address": address, "created_at_ms": at_ms},
        )

    def of_member(self, room_id: str, user_id: str) -> list[str]:
        ma = t.member_addresses
        rows = self._conn.execute(
            select(ma.c.address)
            .where(ma.c.room_id == room_id, ma.c.user_id == user_id)
            .order_by(ma.c.created_at_ms, ma.c.address)
            .limit(MAX_ADDRESSES_PER_MEMBER)
        )
        return list(rows.scalars())

    def ban(
        self, room_id: str, address: str, user_id: str, at_ms: int, until_ms: int | None = None
    ) -> None:
        upsert(
            self._conn,
            t.address_bans,
            {
                "room_id": room_id,
                "address": address,
                "user_id": user_id,
                "created_at_ms": at_ms,
                "until_ms": until_ms,
            },
            ["room_id", "address", "user_id"],
        )

    def barred(self, room_id: str, address: str, now_ms: int) -> Standing | None:
        ab = t.address_bans
        rows = self._conn.execute(
            select(ab.c.until_ms).where(
                ab.c.room_id == room_id,
                ab.c.address == address,
                (ab.c.until_ms.is_(None)) | (ab.c.until_ms > now_ms),
            )
        )
        return barred_by(rows.scalars(), now_ms)

    def unban_member(self, room_id: str, user_id: str) -> None:
        ab = t.address_bans
        self._conn.execute(delete(ab).where(ab.c.room_id == room_id, ab.c.user_id == user_id))
