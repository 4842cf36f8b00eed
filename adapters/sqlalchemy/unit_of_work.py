"""Unit of work on one SQLAlchemy connection and transaction."""

from __future__ import annotations

import contextlib
import threading
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, text

from adapters.sqlalchemy.account_repositories import (
    SqlProfileRepository,
    SqlRefreshTokenRepository,
    SqlUserRepository,
)
from adapters.sqlalchemy.audit_repository import SqlAuditRepository
from adapters.sqlalchemy.change_repositories import SqlChangeRepository
from adapters.sqlalchemy.failures import OutageLog, first_line, is_outage
from adapters.sqlalchemy.member_repositories import SqlAddressRepository, SqlMembershipRepository
from adapters.sqlalchemy.message_repositories import SqlMessageRepository, SqlReactionRepository
from adapters.sqlalchemy.room_repositories import SqlNetworkRepository, SqlRoomRepository
from adapters.sqlalchemy.session_repositories import SqlPageSessionRepository
from domain.model.events import Event


class SqlUnitOfWork:
    """A failure to reach the database (at the start, in a query or at the commit) leaves
    as `Unavailable`, noted once per outage in `outage`; any other error as it is."""

    def __init__(
        self,
        engine: Engine,
        write: bool,
        write_lock: threading.Lock | None,
        outage: OutageLog | None = None,
    ) -> None:
        self._engine = engine
        self._outage = outage or OutageLog()
        self._write = write
        # SQLite has one writer at a time: queue this process's writers here instead of
        # spinning in the busy handler (which, under gevent, would stall the whole hub).
        self._lock: AbstractContextManager[object] = (
            write_lock if (write and write_lock is not None) else nullcontext()
        )
        self._conn: Connection | None = None
        self._recorded: list[Event] = []
        self._released: list[Event] = []
        self._committed = False

    def __enter__(self) -> Self:
        self._lock.__enter__()
        conn: Connection | None = None
        try:
            conn = self._engine.connect()
            if self._write:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            conn.begin()
        except BaseException as error:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            self._lock.__exit__(None, None, None)
            if is_outage(error):
                raise self._outage.failed(error) from None
            raise
        self._conn = conn
        self.rooms = SqlRoomRepository(conn)
        self.messages = SqlMessageRepository(conn)
        self.reactions = SqlReactionRepository(conn)
        self.changes = SqlChangeRepository(conn)
        self.profiles = SqlProfileRepository(conn)
        self.memberships = SqlMembershipRepository(conn)
        self.users = SqlUserRepository(conn)
        self.refresh_tokens = SqlRefreshTokenRepository(conn)
        self.addresses = SqlAddressRepository(conn)
        self.networks = SqlNetworkRepository(conn)
        self.page_sessions = SqlPageSessionRepository(conn)
        self.audit = SqlAuditRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        lost = exc is not None and is_outage(exc)
        try:
            if not self._committed:
                try:
                    self.rollback()
                except Exception as error:
                    if not is_outage(error):
                        raise
                    lost = True  # the connection went with the database: nothing to undo
        finally:
            if self._conn is not None:
                with contextlib.suppress(Exception) if lost else nullcontext():
                    self._conn.close()
                self._conn = None
            self._lock.__exit__(None, None, None)
        if lost:
            raise self._outage.failed(exc or RuntimeError("connection lost")) from None
        if exc is None:
            self._outage.succeeded()

    def record(self, event: Event) -> None:
        self._recorded.append(event)

    def commit(self) -> None:
        assert self._conn is not None, "commit outside the unit of work"
        try:
            self._conn.commit()
        except Exception as error:
            # Whether it was applied is unknown: not acknowledged, so a retry (its
            # client_id) decides, never a loss.
            if is_outage(error):
                self._recorded = []
                raise self._outage.failed(error) from None
            raise
        self._released, self._recorded = self._recorded, []
        self._committed = True

    def rollback(self) -> None:
        self._recorded = []
        if self._conn is not None:
            self._conn.rollback()

    def collect_events(self) -> list[Event]:
        released, self._released = self._released, []
        return released


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.outage = OutageLog()  # this process's record of the database being away

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write, self._write_lock, self.outage)


class DatabaseProbe:
    """Readiness (ports.health.Probe): does the database answer a query now?"""

    name = "database"

    def __init__(self, factory: SqlUnitOfWorkFactory) -> None:
        self._factory = factory

    def check(self) -> str | None:
        try:
            with self._factory.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:
            if is_outage(error):
                self._factory.outage.failed(error)
            return first_line(error)
        self._factory.outage.succeeded()
        return None
