"""Keys rotate under a running server, on both runtimes, SQLite and Postgres: while
`securechat keys ...` rewrites the key files and the stored messages, the server keeps
serving history and taking messages, its old tokens keep working until their key is
retired, and it signs new ones with the new key. No restart."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine, text

from adapters.sqlalchemy import migrations
from tests.conftest import fresh_postgres_schema
from tests.contract.client import Api, assert_error
from tests.contract.harness import ServerProcess, run_cli


@pytest.fixture(params=("sqlite", "postgres"))
def durable(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The --database URL: None for the embedded SQLite default, or a fresh Postgres."""
    if request.param == "sqlite":
        yield None
        return
    request.getfixturevalue("postgres_available")
    for url in fresh_postgres_schema():
        migrations.upgrade(url)
        yield url


def _keys(action: str, data_dir: Path, url: str | None) -> str:
    args = ["keys", action, "--data-dir", str(data_dir)]
    code, output = run_cli(args + (["--database", url] if url else []))
    assert code == 0, output
    assert "Traceback" not in output
    return output


def _key_file(data_dir: Path, name: str) -> list[str]:
    return (data_dir / "keys" / name).read_text().split()


def _ciphertexts(data_dir: Path, url: str | None) -> list[bytes]:
    engine = create_engine(url or f"sqlite:///{data_dir / 'securechat.db'}")
    try:
        with engine.connect() as conn:
            return [bytes(r[0]) for r in conn.execute(text("SELECT ciphertext FROM messages"))]
    finally:
        engine.dispose()


def _opens(key: str, ciphertext: bytes) -> bool:
    try:
        Fernet(key).decrypt(ciphertext)
    except InvalidToken:
        return False
    return True


def _kid(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def test_keys_rotate_and_retire_under_a_running_server(
    runtime: str, durable: str | None, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(runtime, data_dir, durable).start()
    api = Api(server.url)
    try:
        room = api.create_room()
        before = api.token(room, "dana")
        for n in range(5):
            assert api.post(room.room_id, before, f"before {n}").status_code == 201
        [old_key] = _key_file(data_dir, "fernet.key")

        _keys("rotate-encryption", data_dir, server.database)
        new_key, _ = _key_file(data_dir, "fernet.key")
        assert not any(_opens(old_key, c) for c in _ciphertexts(data_dir, durable))
        # The server never saw the new key, and reads every rewritten message.
        assert api.texts(room.room_id, before) == [f"before {n}" for n in range(5)]
        assert api.post(room.room_id, before, "after").status_code == 201
        assert all(_opens(new_key, c) for c in _ciphertexts(data_dir, durable))
        _keys("retire-encryption", data_dir, server.database)
        assert _key_file(data_dir, "fernet.key") == [new_key]
        assert api.texts(room.room_id, before)[-1] == "after"

        old_kid = _kid(before)
        _keys("rotate-jwt", data_dir, server.database)
        after = api.token(room, "erin")
        assert _kid(after) != old_kid  # signed with the new key
        assert api.messages(room.room_id, before).status_code == 200  # the old one still works
        assert api.messages(room.room_id, after).status_code == 200
        _keys("retire-jwt", data_dir, server.database)
        assert_error(api.messages(room.room_id, before), 401, "unauthorized")
        assert api.texts(room.room_id, after)[-1] == "after"
    finally:
        api.close()
        assert server.stop() == 0
    assert "Traceback" not in server.stderr_text()
