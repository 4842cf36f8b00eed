"""The SQLite file and its -wal/-shm companions are created owner-only, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.sqlalchemy.engine import make_engine, sqlite_file


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_files_are_0600(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "nested" / "chat.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            files = {p.name: _mode(p) for p in path.parent.iterdir()}
    finally:
        engine.dispose()
    assert files == {"chat.db": 0o600, "chat.db-wal": 0o600, "chat.db-shm": 0o600}


def test_an_existing_database_keeps_its_mode(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "chat.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o640


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///relative.db", Path("relative.db")),
        ("sqlite:////abs/chat.db", Path("/abs/chat.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:chat.db?mode=ro&uri=true", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_sqlite_file_names_the_file_of_an_sqlite_url(url: str, expected: Path | None) -> None:
    assert sqlite_file(url) == expected
