"""Configuration from the environment."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from entrypoints.common.settings import DEFAULTS, MEMORY_URL, Settings, SettingsError

SECRET_32 = "s" * 32


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.runtime == "flask"
    assert settings.host == "127.0.0.1"
    assert settings.port == 10000
    assert settings.data_dir == Path("data")
    assert settings.database_url == ""
    assert settings.jwt_secret is None
    assert (settings.jwt_issuer, settings.jwt_audience) == ("securechat", "securechat")
    assert settings.encryption_keys == ()
    assert settings.max_message_bytes == 16 * 1024
    assert settings.max_request_bytes == 64 * 1024
    assert settings.cors_origins == ()
    assert settings.room_token_ttl_s == 3600
    assert settings.admin_token_ttl_s == 30 * 24 * 3600
    assert settings.edit_window_s == 24 * 3600
    assert settings.auto_migrate is None
    assert settings.worker_threads == 4
    assert settings.slow_client_timeout_s == 10
    assert settings.max_header_bytes == 16 * 1024
    assert settings.max_header_count == 100
    assert settings.trusted_proxies == ()
    assert settings.forwarded_header == "x-forwarded-for"
    assert settings.message_limit == 0  # every room keeps every message
    # The default storage is an SQLite file in the data directory, migrated on start.
    assert settings.storage == "sqlite"
    assert settings.resolved_database_url == f"sqlite:///{Path('data').resolve()}/securechat.db"
    assert settings.should_auto_migrate is True
    # OWASP's argon2id profile (the tests' servers run a cheap one: tests/contract/harness.py).
    assert (settings.argon2_time_cost, settings.argon2_memory_kib) == (2, 19 * 1024)
    assert settings.argon2_parallelism == 1


def test_unrelated_and_blank_variables_are_ignored() -> None:
    env = {"PORT": "1", "SECURECHAT_HOST": "   ", "SECURECHAT_PORT": ""}
    assert Settings.from_env(env) == Settings()


def test_values_are_read() -> None:
    env = {
        "SECURECHAT_RUNTIME": "quart",
        "SECURECHAT_HOST": "0.0.0.0",
        "SECURECHAT_PORT": " 0 ",
        "SECURECHAT_DATA_DIR": "/var/lib/securechat",
        "SECURECHAT_DATABASE_URL": "postgresql://db/chat",
        "SECURECHAT_JWT_SECRET": SECRET_32,
        "SECURECHAT_ENCRYPTION_KEYS": " k1 , k2 ,, ",
        "SECURECHAT_CORS_ORIGINS": "https://a.example,https://b.example",
        "SECURECHAT_ROOM_TOKEN_TTL": "60",
        "SECURECHAT_KICK_SECONDS": "30",
        "SECURECHAT_EDIT_WINDOW_SECONDS": "90",
        "SECURECHAT_AUTO_MIGRATE": "yes",
        "SECURECHAT_WORKER_THREADS": "4",
        "SECURECHAT_SLOW_CLIENT_TIMEOUT": "3",
        "SECURECHAT_MAX_HEADER_BYTES": "8192",
        "SECURECHAT_MAX_HEADER_COUNT": "50",
        "SECURECHAT_TRUSTED_PROXIES": " 10.0.0.1 , 192.168.0.0/16,, ::1 ",
        "SECURECHAT_FORWARDED_HEADER": " Forwarded ",
    }
    settings = Settings.from_env(env)
    assert settings.runtime == "quart"
    assert settings.host == "0.0.0.0"
    assert settings.port == 0
    assert settings.data_dir == Path("/var/lib/securechat")
    assert settings.storage == "postgresql"
    assert settings.jwt_secret == SECRET_32
    assert settings.encryption_keys == ("k1", "k2")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.room_token_ttl_s == 60
    assert settings.kick_s == 30
    assert settings.edit_window_s == 90
    assert settings.auto_migrate is True
    assert settings.should_auto_migrate is True
    assert settings.worker_threads == 4
    assert settings.slow_client_timeout_s == 3
    assert settings.max_header_bytes == 8192
    assert settings.max_header_count == 50
    assert settings.trusted_proxies == ("10.0.0.1", "192.168.0.0/16", "::1")
    assert settings.forwarded_header == "forwarded"


def test_explicit_database_is_not_auto_migrated_by_default() -> None:
    settings = Settings.from_env({"SECURECHAT_DATABASE_URL": "sqlite:///x.db"})
    assert settings.should_auto_migrate is False
    assert Settings.from_env({"SECURECHAT_DATABASE_URL": MEMORY_URL}).storage == "memory"


def test_secret_is_not_in_repr() -> None:
    settings = Settings.from_env({"SECURECHAT_JWT_SECRET": SECRET_32})
    assert SECRET_32 not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "80.5"),
        ("PORT", "-1"),
        ("PORT", "65536"),
        ("MAX_MESSAGE_BYTES", "0"),
        ("MAX_MESSAGE_BYTES", "16k"),
        ("MAX_REQUEST_BYTES", "lots"),
        ("ROOM_TOKEN_TTL", "0"),
        ("ROOM_TOKEN_TTL", "-60"),
        ("ADMIN_TOKEN_TTL", "1h"),
        ("WORKER_THREADS", "0"),
        ("WORKER_THREADS", "many"),
        ("MAX_HEADER_BYTES", "1023"),
        ("MAX_HEADER_BYTES", "16k"),
        ("MAX_HEADER_COUNT", "0"),
        ("MESSAGE_LIMIT", "-1"),
        ("MESSAGE_LIMIT", "1000001"),
        ("MESSAGE_LIMIT", "ten"),
        ("EDIT_WINDOW_SECONDS", "0"),
        ("EDIT_WINDOW_SECONDS", "1d"),
    ],
)
def test_bad_integers_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({f"SECURECHAT_{name}": value})
    assert name in str(caught.value) or "port" in str(caught.value)


@pytest.mark.parametrize("origins", ["*", "https://a.example,*", " * "])
def test_wildcard_cors_origin_is_refused(origins: str) -> None:
    with pytest.raises(SettingsError, match="CORS"):
        Settings.from_env({"SECURECHAT_CORS_ORIGINS": origins})


@pytest.mark.parametrize("secret", ["short", "x" * 31, "é" * 15 + "x"])
def test_short_jwt_secret_is_refused(secret: str) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        Settings.from_env({"SECURECHAT_JWT_SECRET": secret})


@pytest.mark.parametrize("proxies", ["proxy.example", "10.0.0.1/33", "127.0.0.1,nope"])
def test_trusted_proxies_must_be_addresses_or_networks(proxies: str) -> None:
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({"SECURECHAT_TRUSTED_PROXIES": proxies})


@pytest.mark.parametrize("header", ["x-real-ip", "both", "x-forwarded-proto", "x_forwarded_for"])
def test_the_forwarded_header_is_one_family_by_name(header: str) -> None:
    with pytest.raises(SettingsError, match="FORWARDED_HEADER must be one of"):
        Settings.from_env({"SECURECHAT_FORWARDED_HEADER": header})
    with pytest.raises(SettingsError, match="FORWARDED_HEADER"):
        Settings().with_overrides(forwarded_header=header)


def test_previous_jwt_secrets_are_listed_checked_and_need_the_secret() -> None:
    old = "o" * 32
    settings = Settings.from_env(
        {"SECURECHAT_JWT_SECRET": SECRET_32, "SECURECHAT_JWT_PREVIOUS_SECRETS": f" {old} ,, "}
    )
    assert settings.jwt_previous_secrets == (old,)
    assert old not in repr(settings)
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        Settings.from_env(
            {"SECURECHAT_JWT_SECRET": SECRET_32, "SECURECHAT_JWT_PREVIOUS_SECRETS": "short"}
        )
    with pytest.raises(SettingsError, match="needs SECURECHAT_JWT_SECRET"):
        Settings.from_env({"SECURECHAT_JWT_PREVIOUS_SECRETS": old})


def test_jwt_secret_length_is_counted_in_bytes() -> None:
    assert Settings.from_env({"SECURECHAT_JWT_SECRET": "é" * 16}).jwt_secret == "é" * 16


def test_message_limit_must_fit_in_a_request() -> None:
    with pytest.raises(SettingsError, match="MAX_MESSAGE_BYTES"):
        Settings.from_env(
            {"SECURECHAT_MAX_MESSAGE_BYTES": "2048", "SECURECHAT_MAX_REQUEST_BYTES": "1024"}
        )


def test_unknown_runtime_and_bad_boolean_are_refused() -> None:
    with pytest.raises(SettingsError, match="runtime"):
        Settings.from_env({"SECURECHAT_RUNTIME": "django"})
    with pytest.raises(SettingsError, match="AUTO_MIGRATE"):
        Settings.from_env({"SECURECHAT_AUTO_MIGRATE": "maybe"})
    assert Settings.from_env({"SECURECHAT_AUTO_MIGRATE": "OFF"}).auto_migrate is False


def test_overrides_are_validated_and_none_keeps_the_value() -> None:
    base = Settings.from_env({})
    assert base.with_overrides(port=None, host="::1").host == "::1"
    assert base.with_overrides(port=None).port == 10000
    with pytest.raises(SettingsError):
        base.with_overrides(runtime="django")
    with pytest.raises(SettingsError):
        base.with_overrides(port=70000)


def test_the_configured_message_limit_reaches_the_core(tmp_path: Path) -> None:
    from adapters.crypto.fernet_cipher import generate_key
    from entrypoints.common.bootstrap import build_core

    assert Settings.from_env({"SECURECHAT_MESSAGE_LIMIT": "0"}).message_limit == 0
    settings = Settings.from_env(
        {
            "SECURECHAT_MESSAGE_LIMIT": "5",
            "SECURECHAT_DATABASE_URL": MEMORY_URL,
            "SECURECHAT_DATA_DIR": str(tmp_path),
            "SECURECHAT_JWT_SECRET": SECRET_32,
            "SECURECHAT_ENCRYPTION_KEYS": generate_key(),
        }
    )
    assert settings.message_limit == 5
    core = build_core(settings)
    try:
        assert core.deps.config.message_limit == 5
    finally:
        core.close()


def _literal_defaults(path: Path) -> list[tuple[int, str]]:
    """Class attributes and parameter defaults of a module spelled as numeric literals
    (folded: `16 * 1024` counts) equal to one of a setting's defaults."""
    defaults = {getattr(DEFAULTS, f.name) for f in dataclasses.fields(DEFAULTS)}
    wanted = {v for v in defaults if type(v) in (int, float) and v > 4}
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        values: list[ast.expr] = []
        if isinstance(node, ast.ClassDef):
            values += [s.value for s in node.body if isinstance(s, ast.AnnAssign | ast.Assign)]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            values += node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
        for value in values:
            if value is None or not all(
                isinstance(n, ast.Constant | ast.BinOp | ast.operator) for n in ast.walk(value)
            ):
                continue
            folded = eval(compile(ast.Expression(value), str(path), "eval"), {})  # noqa: S307 - constants only
            if type(folded) in (int, float) and folded in wanted:
                found.append((value.lineno, ast.unparse(value)))
    return found


def test_the_shells_read_every_default_from_settings() -> None:
    """A runtime's classes hold a setting's default until serve() sets the value: they read
    it from settings.DEFAULTS, never a copy (which would drift when the default changes)."""
    root = Path(__file__).resolve().parents[3] / "entrypoints"
    copies = {
        str(path.relative_to(root)): found
        for package in ("flask", "quart")
        for path in sorted((root / package).rglob("*.py"))
        if (found := _literal_defaults(path))
    }
    assert copies == {}


def test_redis_is_off_by_default_and_read_with_its_prefix() -> None:
    assert (DEFAULTS.redis_url, DEFAULTS.redis_prefix) == ("", "securechat")
    env = {"SECURECHAT_REDIS_URL": "redis://:pw@cache:6379/2", "SECURECHAT_REDIS_PREFIX": "a:b"}
    settings = Settings.from_env(env)
    assert (settings.redis_url, settings.redis_prefix) == ("redis://:pw@cache:6379/2", "a:b")
    assert "pw" not in repr(settings)  # a Redis URL may hold its password


@pytest.mark.parametrize(
    ("name", "value"),
    [("REDIS_URL", "http://cache:6379"), ("REDIS_PREFIX", "has space"), ("REDIS_PREFIX", "x" * 65)],
)
def test_a_bad_redis_setting_is_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"SECURECHAT_{name}"):
        Settings.from_env({f"SECURECHAT_{name}": value})
