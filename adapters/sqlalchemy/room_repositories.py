"""Rooms and their networks on SQLAlchemy Core: explicit rows in, domain objects out."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.writes import upsert
from domain.model.addresses import IpPolicy, RoomNetwork
from domain.model.errors import Conflict, ErrorCode
from domain.model.rooms import Room, RoomSettings

# Statements are built once: constructing and cache-keying a statement per call cost more
# than executing it (seen in profiles of the message hot path).
_ROOM_BY_ID = select(t.rooms).where(t.rooms.c.id == bindparam("room_id"))


# ... and so are those reading many rows by key, once per number of keys (a batch has at most
# MAX_BATCH): an IN list of plain parameters. A list given at each call, or an expanding
# parameter, is rendered again at each execution, which cost four times the query.
@functools.lru_cache(maxsize=256)
def _rooms_by_ids(n: int) -> Any:
    return select(t.rooms).where(t.rooms.c.id.in_([bindparam(f"r{i}") for i in range(n)]))


_INSERT_ROOM = insert(t.rooms)


def _room(row: Row[Any]) -> Room:
    return Room(
        id=row.id,
        incarnation=row.incarnation,
        password_hash=row.password_hash,
        created_by=row.created_by,
        created_at_ms=row.created_at_ms,
        password_version=row.password_version,
        admin_version=row.admin_version,
        admin_password_hash=row.admin_password_hash,
        settings=RoomSettings(message_limit=row.message_limit, ip_policy=IpPolicy(row.ip_policy)),
        owner_id=row.owner_id,
    )


class SqlRoomRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, room_id: str) -> Room | None:
        row = self._conn.execute(_ROOM_BY_ID, {"room_id": room_id}).first()
        return _room(row) if row is not None else None

    def get_many(self, room_ids: Sequence[str]) -> dict[str, Room]:
        if len(room_ids) == 1:
            room = self.get(room_ids[0])
            return {room.id: room} if room is not None else {}
        params = {f"r{i}": room_id for i, room_id in enumerate(room_ids)}
        rows = self._conn.execute(_rooms_by_ids(len(room_ids)), params)
        return {row.id: _room(row) for row in rows}

    def add(self, room: Room) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    _INSERT_ROOM,
                    {
                        "id": room.id,
                        "incarnation": room.incarnation,
                        "password_hash": room.password_hash,
                        "password_version": room.password_version,
                        "admin_version": room.admin_version,
                        "admin_password_hash": room.admin_password_hash,
                        "created_by": room.created_by,
                        "created_at_ms": room.created_at_ms,
                        "message_limit": room.settings.message_limit,
                        "ip_policy": room.settings.ip_policy.value,
                        "owner_id": room.owner_id,
                    },
                )
        except IntegrityError:
            raise Conflict(ErrorCode.ROOM_EXISTS, "a room with this id already exists") from None

    def update(self, room: Room) -> None:
        rooms = t.rooms
        self._conn.execute(
            update(rooms)
            .where(rooms.c.id == room.id, rooms.c.incarnation == room.incarnation)
            .values(
                password_hash=room.password_hash,
                password_version=room.password_version,
                admin_version=room.admin_version,
                admin_password_hash=room.admin_password_hash,
                message_limit=room.settings.message_limit,
                ip_policy=room.settings.ip_policy.value,
                owner_id=room.owner_id,
            )
        )

    def delete(self, room_id: str, incarnation: str) -> None:
        rooms = t.rooms
        found = self._conn.execute(
            select(rooms.c.id)
            .where(rooms.c.id == room_id, rooms.c.incarnation == incarnation)
            .with_for_update()
        ).first()
        if found is None:
            return
        # Explicit rather than left to ON DELETE CASCADE, which SQLite honours only with
        # its foreign_keys pragma on.
        reactions = t.message_reactions
        self._conn.execute(delete(reactions).where(reactions.c.room_id == room_id))
        self._conn.execute(delete(t.messages).where(t.messages.c.room_id == room_id))
        self._conn.execute(delete(t.memberships).where(t.memberships.c.room_id == room_id))
        self._conn.execute(
            delete(t.member_addresses).where(t.member_addresses.c.room_id == room_id)
        )
        self._conn.execute(delete(t.address_bans).where(t.address_bans.c.room_id == room_id))
        self._conn.execute(delete(t.room_networks).where(t.room_networks.c.room_id == room_id))
        self._conn.execute(delete(t.room_changes).where(t.room_changes.c.room_id == room_id))
        self._conn.execute(delete(t.sent_messages).where(t.sent_messages.c.room_id == room_id))
        self._conn.execute(delete(rooms).where(rooms.c.id == room_id))


class SqlNetworkRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def of_room(self, room_id: str) -> list[RoomNetwork]:
        rn = t.room_networks
        rows = self._conn.execute(select(rn).where(rn.c.room_id == room_id).order_by(rn.c.network))
        return [
            RoomNetwork(row.room_id, row.network, bool(row.verified), row.created_at_ms)
            for row in rows
        ]

    def put(self, entry: RoomNetwork) -> None:
        upsert(
            self._conn,
            t.room_networks,
            {
                "room_id": entry.room_id,
                "network": entry.network,
                "verified": entry.verified,
                "created_at_ms": entry.created_at_ms,
            },
            ["room_id", "network"],
        )

    def delete(self, room_id: str, network: str) -> None:
        rn = t.room_networks
        self._conn.execute(delete(rn).where(rn.c.room_id == room_id, rn.c.network == network))
