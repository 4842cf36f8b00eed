"""Durability and encryption at rest, across a server restart, on SQLite and Postgres.

These start their own servers (not the shared module server): they stop and restart them.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from adapters.sqlalchemy import migrations
from tests.conftest import fresh_postgres_schema
from tests.contract.client import Api
from tests.contract.harness import ServerProcess, run_cli

DURABLE = ("sqlite", "postgres")


@pytest.fixture(params=DURABLE)
def durable_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, str | None]]:
    """(kind, --database URL). SQLite uses the embedded default: no URL, auto-migrated."""
    if request.param == "sqlite":
        yield "sqlite", None
        return
    request.getfixturevalue("postgres_available")
    for url in fresh_postgres_schema():
        migrations.upgrade(url)
        yield "postgres", url


def _raw_ciphertexts(kind: str, url: str | None, data_dir: Path) -> list[bytes]:
    db_url = url or f"sqlite:///{data_dir / 'securechat.db'}"
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [bytes(r[0]) for r in conn.execute(text("SELECT ciphertext FROM messages"))]
    finally:
        engine.dispose()


def test_only_ciphertext_is_stored_and_survives_a_restart(
    runtime: str, durable_database: tuple[str, str | None], tmp_path: Path
) -> None:
    kind, url = durable_database
    data_dir = tmp_path / "data"
    plaintext = "attack at dawn " + secrets.token_hex(8)

    first = ServerProcess(runtime, data_dir, url).start()
    try:
        api = Api(first.url)
        room = api.create_room()
        token = api.token(room, "dana")
        assert api.post(room.room_id, token, plaintext).status_code == 201
        api.close()
    finally:
        assert first.stop() == 0

    # The raw column holds Fernet tokens, never the text.
    stored = _raw_ciphertexts(kind, url, data_dir)
    assert len(stored) == 1
    assert plaintext.encode() not in stored[0]
    assert stored[0].startswith(b"gAAAAA")  # Fernet version byte 0x80, base64
    if kind == "sqlite":
        for path in data_dir.glob("securechat.db*"):
            assert plaintext.encode() not in path.read_bytes(), path

    # Keys persisted in the data directory, owner-only.
    for name in ("jwt.key", "fernet.key"):
        mode = stat.S_IMODE((data_dir / "keys" / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE((data_dir / "keys").stat().st_mode) == 0o700
    # The data directory itself (SQLite file, password hashes) is owner-only too.
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700

    second = ServerProcess(runtime, data_dir, url).start()
    try:
        api = Api(second.url)
        # The token from before the restart still works: the signing key persisted too.
        assert api.texts(room.room_id, token) == [plaintext]
        api.close()
    finally:
        assert second.stop() == 0
    assert "Traceback" not in first.stderr_text() + second.stderr_text()


def test_the_server_refuses_to_start_with_an_exposed_key_file(runtime: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(runtime, data_dir, "memory").start()
    server.stop()
    key = data_dir / "keys" / "fernet.key"
    os.chmod(key, 0o644)
    code, output = run_cli(
        ["serve", "--runtime", runtime, "--port", "0", "--data-dir", str(data_dir)]
    )
    assert code == 2
    assert "fernet.key" in output and "chmod 600" in output
    assert "Traceback" not in output


def test_a_server_on_an_unmigrated_database_refuses_to_start(runtime: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, output = run_cli(
        [
            "serve",
            "--runtime",
            runtime,
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            "--database",
            url,
        ]
    )
    assert code == 2
    assert "securechat db upgrade" in output
    assert "Traceback" not in output
