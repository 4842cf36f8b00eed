"""Accounts, guest profiles and refresh tokens on SQLAlchemy Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.writes import upsert
from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.errors import Conflict, ErrorCode
from domain.model.members import UserProfile


class SqlProfileRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, user_id: str) -> UserProfile | None:
        row = self._conn.execute(select(t.profiles).where(t.profiles.c.user_id == user_id)).first()
        if row is None:
            return None
        return UserProfile(row.user_id, row.username, row.created_at_ms, row.avatar)

    def put(self, profile: UserProfile) -> None:
        upsert(
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
