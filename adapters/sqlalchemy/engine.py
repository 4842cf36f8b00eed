"""Engines for SQLite (WAL, busy timeout, explicit BEGIN) and Postgres (psycopg 3)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 3  # Postgres: how long a connect may wait for the server to answer


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain postgres URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names, or None (not SQLite, in memory, or a `file:` URI)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_private(path: Path) -> None:
    """Create the database file owner-only (0600) unless it exists."""
    # SQLite would create it with the process umask (often 0644), and it gives its -wal and -shm
    # files the mode of the database file, so creating this one first covers all three.
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            create_private(path)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in parsed.query:
        # A server that does not answer (a dropped route, not a refusal) fails a connect in
        # seconds rather than the kernel's minutes: requests get 503, not a hang.
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_S})
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (pysqlite's implicit transactions are wrong for us).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # In WAL mode NORMAL keeps every commit across a process crash; only an OS crash or
        # power loss can lose the last transactions.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers declare themselves up front: BEGIN IMMEDIATE takes the write lock at once,
        # so a read-then-write transaction never fails to upgrade with SQLITE_BUSY.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
