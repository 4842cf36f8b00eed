"""Repositories on SQLAlchemy Core: explicit rows in, domain objects out."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import tables as t
from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.addresses import IpPolicy, RoomNetwork
from domain.model.errors import Conflict, ErrorCode, NotFound
from domain.model.members import Membership, Role, Standing, UserProfile, barred_by
from domain.model.messages import StoredMessage
from domain.model.reactions import Reactions, group
from domain.model.rooms import Room, RoomSettings
from ports.repositories import MAX_ADDRESSES_PER_MEMBER

# Statements are built once: constructing and cache-keying a statement per call cost more
# than executing it (seen in profiles of the message hot path).
_ROOM_BY_ID = select(t.rooms).where(t.rooms.c.id == bindparam("room_id"))
_MEMBERSHIP = select(t.memberships).where(
    t.memberships.c.room_id == bindparam("room_id"), t.memberships.c.user_id == bindparam("user_id")
)


# ... and so are those reading many rows by key, once per number of keys (a batch has at most
# MAX_BATCH): an IN list of plain parameters. A list given at each call, or an expanding
# parameter, is rendered again at each execution, which cost four times the query.
@functools.lru_cache(maxsize=256)
def _rooms_by_ids(n: int) -> Any:
    return select(t.rooms).where(t.rooms.c.id.in_([bindparam(f"r{i}") for i in range(n)]))


@functools.lru_cache(maxsize=256)
def _memberships_by_keys(n: int) -> Any:
    ms = t.memberships
    keys = [tuple_(bindparam(f"r{i}"), bindparam(f"u{i}")) for i in range(n)]
    return select(ms).where(tuple_(ms.c.room_id, ms.c.user_id).in_(keys))


_INSERT_ROOM = insert(t.rooms)
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


def _upsert(conn: Connection, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    dialect = conn.dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))


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
        self._conn.execute(delete(rooms).where(rooms.c.id == room_id))


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
        self, room_id: str, message_id: str, ciphertext: bytes, edited_at_ms: int
    ) -> None:
        ms = t.messages
        self._conn.execute(
            update(ms)
            .where(ms.c.room_id == room_id, ms.c.id == message_id)
            .values(ciphertext=ciphertext, edited_at_ms=edited_at_ms)
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
                _insert_new(self._conn, rs, values)
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


class SqlProfileRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, user_id: str) -> UserProfile | None:
        row = self._conn.execute(select(t.profiles).where(t.profiles.c.user_id == user_id)).first()
        if row is None:
            return None
        return UserProfile(row.user_id, row.username, row.created_at_ms, row.avatar)

    def put(self, profile: UserProfile) -> None:
        _upsert(
            self._conn,
            t.profiles,
            {
                "user_id": profile.user_id,
                "username": profile.username,
                "avatar": profile.avatar,
                "created_at_ms": profile.created_at_ms,
            },
            ["user_id"],
        )


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
        _upsert(
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
        _insert_new(
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
        _upsert(
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
        _upsert(
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


def _insert_new(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """Insert a row unless one with its primary key exists (then nothing changes)."""
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(module.insert(table).values(**values).on_conflict_do_nothing())


def _user(row: Row[Any]) -> User:
    return User(
        user_id=row.user_id,
        username=row.username,
        username_key=row.username_key,
        password_hash=row.password_hash,
        created_at_ms=row.created_at_ms,
        avatar=row.avatar,
    )


class SqlUserRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, user_id: str) -> User | None:
        row = self._conn.execute(select(t.users).where(t.users.c.user_id == user_id)).first()
        return _user(row) if row is not None else None

    def by_username_key(self, username_key: str) -> User | None:
        row = self._conn.execute(
            select(t.users).where(t.users.c.username_key == username_key)
        ).first()
        return _user(row) if row is not None else None

    def add(self, user: User) -> None:
        try:
            # A savepoint: a taken id or name leaves the rest of the unit of work usable.
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(t.users),
                    {
                        "user_id": user.user_id,
                        "username": user.username,
                        "username_key": user.username_key,
                        "password_hash": user.password_hash,
                        "created_at_ms": user.created_at_ms,
                        "avatar": user.avatar,
                    },
                )
        except IntegrityError:
            if self.get(user.user_id) is not None:
                raise Conflict(ErrorCode.USER_ID_TAKEN, "this user id is taken") from None
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken") from None

    def update(self, user: User) -> None:
        us = t.users
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    update(us)
                    .where(us.c.user_id == user.user_id)
                    .values(
                        username=user.username,
                        username_key=user.username_key,
                        avatar=user.avatar,
                    )
                )
        except IntegrityError:
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken") from None


class SqlRefreshTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_family(self, family: RefreshFamily) -> None:
        self._conn.execute(
            insert(t.refresh_families),
            {
                "family_id": family.family_id,
                "user_id": family.user_id,
                "revoked": family.revoked,
                "created_at_ms": family.created_at_ms,
            },
        )

    def family(self, family_id: str) -> RefreshFamily | None:
        fs = t.refresh_families
        row = self._conn.execute(select(fs).where(fs.c.family_id == family_id)).first()
        if row is None:
            return None
        return RefreshFamily(row.family_id, row.user_id, row.created_at_ms, bool(row.revoked))

    def revoke_family(self, family_id: str) -> bool:
        fs = t.refresh_families
        done = self._conn.execute(
            update(fs)
            .where(fs.c.family_id == family_id, fs.c.revoked.is_(False))
            .values(revoked=True)
        )
        return done.rowcount == 1

    def add(self, token: RefreshToken) -> None:
        self._conn.execute(
            insert(t.refresh_tokens),
            {
                "token_hash": token.token_hash,
                "family_id": token.family_id,
                "used": token.used,
                "expires_at_ms": token.expires_at_ms,
                "created_at_ms": token.created_at_ms,
            },
        )

    def by_hash(self, token_hash: str) -> RefreshToken | None:
        ts = t.refresh_tokens
        row = self._conn.execute(select(ts).where(ts.c.token_hash == token_hash)).first()
        if row is None:
            return None
        return RefreshToken(
            token_hash=row.token_hash,
            family_id=row.family_id,
            expires_at_ms=row.expires_at_ms,
            created_at_ms=row.created_at_ms,
            used=bool(row.used),
        )

    def mark_used(self, token_hash: str) -> bool:
        ts = t.refresh_tokens
        # Conditional: of two units rotating one token, Postgres makes the second wait on
        # the row and then finds it used; SQLite's writers never overlap at all.
        done = self._conn.execute(
            update(ts).where(ts.c.token_hash == token_hash, ts.c.used.is_(False)).values(used=True)
        )
        return done.rowcount == 1
