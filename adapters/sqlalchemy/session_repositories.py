"""Page sessions and their cookie values on SQLAlchemy Core."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from adapters.sqlalchemy import tables as t
from domain.model.members import Role
from domain.model.page_sessions import PageSession, SessionCookie


class SqlPageSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_session(self, session: PageSession) -> None:
        self._conn.execute(
            insert(t.page_sessions),
            {
                "session_id": session.session_id,
                "room_id": session.room_id,
                "user_id": session.user_id,
                "username": session.username,
                "user_token": session.user_token,
                "role": session.role.value,
                "incarnation": session.incarnation,
                "password_version": session.password_version,
                "admin_version": session.admin_version,
                "guest": session.guest,
                "session_start": session.session_start,
                "family_id": session.family_id,
                "revoked": session.revoked,
                "created_at_ms": session.created_at_ms,
            },
        )

    def session(self, session_id: str) -> PageSession | None:
        ps = t.page_sessions
        row = self._conn.execute(select(ps).where(ps.c.session_id == session_id)).first()
        if row is None:
            return None
        return PageSession(
            session_id=row.session_id,
            room_id=row.room_id,
            user_id=row.user_id,
            username=row.username,
            created_at_ms=row.created_at_ms,
            user_token=bool(row.user_token),
            role=Role(row.role),
            incarnation=row.incarnation,
            password_version=row.password_version,
            admin_version=row.admin_version,
            guest=bool(row.guest),
            session_start=row.session_start,
            family_id=row.family_id,
            revoked=bool(row.revoked),
        )

    def revoke(self, session_id: str) -> bool:
        ps = t.page_sessions
        done = self._conn.execute(
            update(ps)
            .where(ps.c.session_id == session_id, ps.c.revoked.is_(False))
            .values(revoked=True)
        )
        return done.rowcount == 1

    def add_cookie(self, cookie: SessionCookie) -> None:
        self._conn.execute(
            insert(t.session_cookies),
            {
                "token_hash": cookie.token_hash,
                "session_id": cookie.session_id,
                "used": cookie.used,
                "expires_at_ms": cookie.expires_at_ms,
                "created_at_ms": cookie.created_at_ms,
            },
        )

    def cookie(self, token_hash: str) -> SessionCookie | None:
        cs = t.session_cookies
        row = self._conn.execute(select(cs).where(cs.c.token_hash == token_hash)).first()
        if row is None:
            return None
        return SessionCookie(
            token_hash=row.token_hash,
            session_id=row.session_id,
            expires_at_ms=row.expires_at_ms,
            created_at_ms=row.created_at_ms,
            used=bool(row.used),
        )

    def mark_used(self, token_hash: str) -> bool:
        cs = t.session_cookies
        # Conditional, as a refresh token's rotation is: of two units spending one value,
        # Postgres makes the second wait on the row and then finds it used.
        done = self._conn.execute(
            update(cs).where(cs.c.token_hash == token_hash, cs.c.used.is_(False)).values(used=True)
        )
        return done.rowcount == 1
