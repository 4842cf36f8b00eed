"""What the server leaves on disk and reads back: file modes, key files, stored messages.

These start their own servers, with a data directory or database prepared by the test.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from adapters.sqlalchemy import migrations
from tests.conftest import fresh_postgres_schema
from tests.contract.client import Api
from tests.contract.harness import ServerProcess, run_cli
from tests.contract.test_openapi import _conforms


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_is_owner_only_in_a_data_directory_others_can_read(
    runtime: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.chmod(data_dir, 0o755)  # an operator's existing directory, readable by everyone
    server = ServerProcess(runtime, data_dir, None).start()  # the embedded SQLite default
    try:
        api = Api(server.url)
        room = api.create_room()
        assert api.post(room.room_id, api.token(room), "on disk").status_code == 201
        api.close()
        files = sorted(data_dir.glob("securechat.db*"))
        assert data_dir / "securechat.db" in files
        # The write-ahead log and shared-memory index exist while the server runs.
        assert {f.name for f in files} >= {"securechat.db-wal", "securechat.db-shm"}
        for path in files:
            assert _mode(path) == 0o600, (path.name, oct(_mode(path)))
    finally:
        assert server.stop() == 0
    stderr = server.stderr_text()
    assert "WARNING" in stderr and str(data_dir) in stderr and "chmod 700" in stderr, stderr
    assert "Traceback" not in stderr
    assert _mode(data_dir) == 0o755  # the operator's directory is warned about, not changed


def test_an_existing_database_file_open_to_others_is_warned_about(
    runtime: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = ServerProcess(runtime, data_dir, None).start()
    assert first.stop() == 0
    database = data_dir / "securechat.db"
    os.chmod(database, 0o644)  # e.g. restored from a backup
    second = ServerProcess(runtime, data_dir, None).start()
    assert second.stop() == 0
    stderr = second.stderr_text()
    assert f"chmod 600 {database}" in stderr, stderr
    assert "data directory" not in stderr  # the directory the server made is owner-only
    assert _mode(database) == 0o644  # warned about, not changed


def _key_file(data_dir: Path, name: str, content: bytes) -> Path:
    keys = data_dir / "keys"
    data_dir.mkdir(mode=0o700)
    keys.mkdir(mode=0o700)
    path = keys / name
    path.write_bytes(content)
    os.chmod(path, 0o600)
    return path


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("jwt.key", b"too-short-secret\n"),
        ("jwt.key", b"\xff\xfe not ascii at all, but long enough to pass 32\n"),
        ("fernet.key", b"too-short-secret\n"),
    ],
    ids=["short-jwt-key", "binary-jwt-key", "bad-fernet-key"],
)
def test_an_unusable_key_file_stops_the_server_with_a_clear_error(
    runtime: str, tmp_path: Path, name: str, content: bytes
) -> None:
    path = _key_file(tmp_path / "data", name, content)
    code, output = run_cli(
        ["serve", "--runtime", runtime, "--port", "0", "--data-dir", str(tmp_path / "data")]
    )
    assert code == 2, output
    assert "securechat: error:" in output and str(path) in output, output
    assert "Traceback" not in output
    assert "too-short-secret" not in output  # secrets never echoed


def test_a_short_jwt_secret_in_the_environment_stops_the_server_with_a_clear_error(
    runtime: str, tmp_path: Path
) -> None:
    code, output = run_cli(
        ["serve", "--runtime", runtime, "--port", "0", "--data-dir", str(tmp_path / "data")],
        env={"SECURECHAT_JWT_SECRET": "short-secret-value"},
    )
    assert code == 2, output
    assert "securechat: error:" in output and "SECURECHAT_JWT_SECRET" in output, output
    assert "32 bytes" in output and "Traceback" not in output
    assert "short-secret-value" not in output


@pytest.fixture(params=("sqlite", "postgres"))
def durable_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """A --database URL; None is the embedded SQLite default in the data directory."""
    if request.param == "sqlite":
        yield None
        return
    request.getfixturevalue("postgres_available")
    for url in fresh_postgres_schema():
        migrations.upgrade(url)
        yield url


def _replace_ciphertext(url: str, message_id: str, ciphertext: bytes) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                text("UPDATE messages SET ciphertext = :c WHERE id = :id"),
                {"c": ciphertext, "id": message_id},
            )
            assert changed.rowcount == 1
    finally:
        engine.dispose()


def test_a_message_no_key_can_decrypt_is_marked_and_the_page_still_served(
    runtime: str, durable_database: str | None, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    url = durable_database or f"sqlite:///{data_dir / 'securechat.db'}"
    lost_key = Fernet.generate_key()
    server = ServerProcess(runtime, data_dir, durable_database).start()
    try:
        api = Api(server.url)
        room = api.create_room()
        token = api.token(room, "dana")
        ids = []
        for text_ in ("first", "under a lost key", "tampered with", "last"):
            response = api.post(room.room_id, token, text_)
            assert response.status_code == 201, response.text
            ids.append(response.json()["message_id"])
        # One written under a key the server no longer has; one altered on disk.
        _replace_ciphertext(url, ids[1], Fernet(lost_key).encrypt(b"under a lost key"))
        _replace_ciphertext(url, ids[2], b"gAAAAAB-not-a-fernet-token")

        response = api.messages(room.room_id, token)
        assert response.status_code == 200, response.text
        _conforms(response, "/chat/{room_id}/messages", "get")
        shown = response.json()["messages"]
        assert [m["id"] for m in shown] == ids
        assert [m["message"] for m in shown] == ["first", None, None, "last"]
        assert [m.get("unreadable", False) for m in shown] == [False, True, True, False]
        assert all(m["username"] == "dana" for m in shown)  # the rest of the row is intact
        api.close()
    finally:
        assert server.stop() == 0
    stderr = server.stderr_text()
    for message_id in ids[1:3]:
        line = next(line for line in stderr.splitlines() if message_id in line)
        assert "WARNING" in line and room.room_id in line, line
    assert "Traceback" not in stderr
    assert "lost key" not in stderr and lost_key.decode() not in stderr  # no plaintext, no key
