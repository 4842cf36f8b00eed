"""The real CLI as an operator meets it: `--version`, a database that cannot be used is one
line `securechat: error: ...` and exit 2 (never a traceback), and `securechat check` lists
every problem of a configuration at once."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.contract.harness import run_cli

STARTUP_TIMEOUT_S = 90


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("securechat: error: "), output
    assert "Traceback" not in output
    return lines[0]


def test_version_names_the_package_version() -> None:
    from importlib.metadata import version

    code, output = run_cli(["--version"])
    assert code == 0
    assert output.strip() == f"securechat {version('secure-chat-api')}"


@pytest.mark.parametrize(
    ("database", "says"),
    [
        ("foo://somewhere/db", "unknown kind of database 'foo'"),
        ("not a url at all", "is not a database URL"),
        ("mysql://someone@127.0.0.1/chat", "driver for mysql is not installed"),
    ],
    ids=["unknown-kind", "unparsable", "missing-driver"],
)
def test_a_database_url_that_cannot_be_used_is_one_line_and_exit_2(
    runtime: str, tmp_path: Path, database: str, says: str
) -> None:
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
            database,
        ],
        timeout=STARTUP_TIMEOUT_S,
    )
    assert code == 2
    assert says in _one_error_line(output)


def test_an_unreachable_database_at_start_is_one_line_and_exit_2(
    runtime: str, tmp_path: Path
) -> None:
    port = _closed_port()
    url = f"postgresql://chat:hunter2-secret@127.0.0.1:{port}/chat"
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
        ],
        timeout=STARTUP_TIMEOUT_S,
    )
    assert code == 2
    line = _one_error_line(output)
    assert f"cannot reach the database at postgresql://chat:***@127.0.0.1:{port}/chat" in line
    assert "hunter2-secret" not in output  # the password is never echoed


def test_a_missing_driver_in_db_upgrade_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, output = run_cli(
        ["db", "upgrade", "--data-dir", str(tmp_path), "--database", "mysql://u@127.0.0.1/x"]
    )
    assert code == 2
    assert "driver for mysql" in _one_error_line(output)


def test_check_lists_every_problem_and_exits_non_zero(tmp_path: Path) -> None:
    env = {
        "SECURECHAT_PORT": "eighty",
        "SECURECHAT_JWT_SECRET": "too-short",
        "SECURECHAT_ENCRYPTION_KEYS": "not-a-fernet-key",
        "SECURECHAT_TRUSTED_PROXIES": "0.0.0.0/0",
        "SECURECHAT_REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
    }
    database = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    code, output = run_cli(["check", "--data-dir", str(tmp_path), "--database", database], env=env)
    assert code == 1, output
    assert "6 problem(s)" in output
    for says in (
        "SECURECHAT_PORT must be an integer",
        "SECURECHAT_JWT_SECRET must be at least 32 bytes",
        "SECURECHAT_ENCRYPTION_KEYS: key #1 is not a Fernet key",
        "cannot reach the database",
        "SECURECHAT_REDIS_URL does not answer",
        "SECURECHAT_TRUSTED_PROXIES: 0.0.0.0/0 trusts every address",
    ):
        assert says in output, (says, output)
    assert "Traceback" not in output
    for secret in ("too-short", "not-a-fernet-key"):
        assert secret not in output


def test_check_finds_a_schema_behind_and_an_exposed_key_file(
    tmp_path: Path, postgres_url: str
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir(parents=True, mode=0o700)
    (keys / "jwt.key").write_text("x" * 48 + "\n")
    (keys / "jwt.key").chmod(0o644)
    code, output = run_cli(["check", "--data-dir", str(tmp_path), "--database", postgres_url])
    assert code == 1, output
    assert "jwt.key is accessible by others" in output
    assert "the database schema is at nothing" in output and "securechat db upgrade" in output


def test_check_passes_a_good_configuration(tmp_path: Path, postgres_url: str) -> None:
    from adapters.sqlalchemy import migrations

    migrations.upgrade(postgres_url)
    code, output = run_cli(
        ["check", "--data-dir", str(tmp_path), "--database", postgres_url],
        env={
            "SECURECHAT_REDIS_URL": "redis://127.0.0.1:6379/0",
            "SECURECHAT_TRUSTED_PROXIES": "10.0.0.0/8",
        },
    )
    assert code == 0, output
    assert "securechat check: ok" in output and "storage postgresql" in output
    assert not (tmp_path / "keys").exists()  # a check creates nothing
