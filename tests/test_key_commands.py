"""`securechat keys ...` end to end, on SQLite and Postgres with real rows: a rotation
rewrites every stored message under the new key, a server wired before it keeps reading and
writing, the old key is retired only once nothing is under it; JWT keys rotate and retire."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine, select

from adapters.sqlalchemy import tables as t
from domain.usecases.access import authenticate
from domain.usecases.create_room import create_room
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from domain.usecases.verify_room import verify_room_password
from entrypoints.cli import KEY_ACTIONS, main
from entrypoints.common import key_commands
from entrypoints.common.bootstrap import Core, StartupError, build_core
from entrypoints.common.settings import Settings, SettingsError
from tests.support import PASSWORD


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL: the SQLite default in the data directory (""), or Postgres."""
    if request.param == "sqlite":
        return ""
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(tmp_path: Path, database: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database,
        auto_migrate=True,
        argon2_time_cost=1,
        argon2_memory_kib=8,
    )


@pytest.fixture
def core(settings: Settings) -> Iterator[Core]:
    core = build_core(settings)
    yield core
    core.close()


def _keys(args: list[str], settings: Settings) -> int:
    where = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        where += ["--database", settings.database_url]
    return main(["keys", *args, *where])


def _key_file(settings: Settings, name: str) -> list[str]:
    return (settings.data_dir / "keys" / name).read_text().split()


def _ciphertexts(settings: Settings) -> list[bytes]:
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            return [bytes(c) for c in conn.execute(select(t.messages.c.ciphertext)).scalars()]
    finally:
        engine.dispose()


def _opens(key: str, ciphertext: bytes) -> bool:
    try:
        Fernet(key).decrypt(ciphertext)
    except InvalidToken:
        return False
    return True


def _history(core: Core, token: str) -> list[str]:
    claims = authenticate(core.deps, token)
    page = read_history(core.deps, claims, "lobby", limit=100).value
    assert not any(m.unreadable for m in page.messages)
    return sorted(m.text for m in page.messages)


def test_the_cli_names_every_key_action() -> None:
    assert KEY_ACTIONS == key_commands.ACTIONS


def test_rotate_reencrypt_and_retire_the_encryption_key(
    core: Core, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    create_room(core.deps, "lobby", PASSWORD)
    token = verify_room_password(core.deps, "lobby", PASSWORD, "alice").value.token
    claims = authenticate(core.deps, token)
    for n in range(5):
        send_message(core.deps, claims, "lobby", f"before {n}")
    [old] = _key_file(settings, "fernet.key")

    assert _keys(["rotate-encryption", "--batch", "2"], settings) == 0
    new, kept = _key_file(settings, "fernet.key")
    assert kept == old
    stored = _ciphertexts(settings)
    assert len(stored) == 5 and not any(_opens(old, c) for c in stored)
    assert all(_opens(new, c) for c in stored)
    assert "5 rewritten" in capsys.readouterr().out

    # The server wired before the rotation reads them, and writes under the new key now.
    send_message(core.deps, claims, "lobby", "after")
    assert _history(core, token) == ["after", *(f"before {n}" for n in range(5))]
    assert all(_opens(new, c) for c in _ciphertexts(settings))

    assert _keys(["retire-encryption"], settings) == 0
    assert _key_file(settings, "fernet.key") == [new]
    assert _history(core, token)[0] == "after"
    restarted = build_core(settings)
    try:
        assert _history(restarted, token) == ["after", *(f"before {n}" for n in range(5))]
    finally:
        restarted.close()


def test_retirement_is_refused_while_a_message_is_under_the_old_key(
    core: Core, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    create_room(core.deps, "lobby", PASSWORD)
    token = verify_room_password(core.deps, "lobby", PASSWORD, "alice").value.token
    send_message(core.deps, authenticate(core.deps, token), "lobby", "under the old key")
    [old] = _key_file(settings, "fernet.key")
    # A new key put first without rewriting anything (an interrupted rotation).
    (settings.data_dir / "keys" / "fernet.key").write_text(
        f"{Fernet.generate_key().decode()}\n{old}\n"
    )

    assert _keys(["retire-encryption"], settings) == 1
    assert "1 stored message(s) are still under an older key" in capsys.readouterr().out
    assert _key_file(settings, "fernet.key")[1] == old  # nothing retired

    assert _keys(["reencrypt"], settings) == 0
    assert _keys(["retire-encryption"], settings) == 0
    assert len(_key_file(settings, "fernet.key")) == 1
    assert _history(core, token) == ["under the old key"]


def test_rotate_and_retire_the_jwt_signing_key(core: Core, settings: Settings) -> None:
    create_room(core.deps, "lobby", PASSWORD)
    before = verify_room_password(core.deps, "lobby", PASSWORD, "alice").value.token
    [old] = _key_file(settings, "jwt.key")

    assert _keys(["rotate-jwt"], settings) == 0
    new, kept = _key_file(settings, "jwt.key")
    assert kept == old and new != old
    restarted = build_core(settings)
    try:
        after = verify_room_password(restarted.deps, "lobby", PASSWORD, "bob").value.token
        # Each server accepts the other's: the previous key verifies, the file is followed.
        for server in (core, restarted):
            assert authenticate(server.deps, before).username == "alice"
            assert authenticate(server.deps, after).username == "bob"

        assert _keys(["retire-jwt"], settings) == 0
        assert _key_file(settings, "jwt.key") == [new]
        for server in (core, restarted):
            with pytest.raises(Exception, match="not valid"):
                authenticate(server.deps, before)
            assert authenticate(server.deps, after).username == "bob"
    finally:
        restarted.close()


def test_keys_from_variables_are_printed_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SECURECHAT_ENCRYPTION_KEYS", key)
    monkeypatch.setenv("SECURECHAT_JWT_SECRET", "s" * 40)
    args = ["--data-dir", str(tmp_path / "data")]
    assert main(["keys", "rotate-encryption", *args]) == 0
    out = capsys.readouterr().out
    assert "SECURECHAT_ENCRYPTION_KEYS" in out
    Fernet(out.splitlines()[-1])  # the new key, for the operator to put first
    assert main(["keys", "rotate-jwt", *args]) == 0
    assert "SECURECHAT_JWT_PREVIOUS_SECRETS" in capsys.readouterr().out
    assert not (tmp_path / "data" / "keys").exists()


def test_the_memory_store_has_nothing_to_rotate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data-dir", str(tmp_path / "data"), "--database", "memory"]
    for action in ("rotate-encryption", "reencrypt"):
        assert main(["keys", action, *args]) == 2
        assert "securechat: error: the memory store keeps nothing" in capsys.readouterr().err
    assert main(["keys", "reencrypt", "--batch", "0", *args]) == 2
    assert "--batch must be at least 1" in capsys.readouterr().err


def test_a_bad_key_in_a_key_list_stops_the_start_naming_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url="memory://")
    build_core(settings).close()
    keys = settings.data_dir / "keys"
    fernet = (keys / "fernet.key").read_text()
    (keys / "fernet.key").write_text(fernet + "not-a-fernet-key\n")
    with pytest.raises(SettingsError, match=r"fernet.key: key #2 is not a Fernet key"):
        build_core(settings)
    (keys / "fernet.key").write_text(fernet)
    (keys / "jwt.key").write_text((keys / "jwt.key").read_text() + "short\n")
    with pytest.raises(StartupError, match=r"jwt.key holds a key of fewer than 32 bytes"):
        build_core(settings)
