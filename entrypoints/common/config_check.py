"""`securechat check`: every problem of the configuration at once, without starting.

Reads only: the settings (each faulty variable named, then the rest checked with its
default), the keys (in the environment or their files: never created here), the database
(it answers, its schema is this server's), Redis when configured, the trusted proxies. Part
of the composition root: it asks the same adapters `bootstrap` wires.
"""

from __future__ import annotations

import ipaddress
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from adapters.auth.jwt_tokens import MIN_SECRET_BYTES
from adapters.crypto.fernet_cipher import check_key
from entrypoints.common.settings import MEMORY_URL, PREFIX, Settings, SettingsError

_NAMED = re.compile(rf"{PREFIX}[A-Z0-9_]+")


def settings_problems(
    environ: Mapping[str, str], **overrides: object
) -> tuple[Settings, list[str]]:
    """The settings, with each variable that is wrong left out (and named); the problems."""
    env = dict(environ)
    problems: list[str] = []
    for _ in range(len(env) + 1):
        try:
            return Settings.from_env(env).with_overrides(**overrides), problems
        except SettingsError as error:
            problems.append(str(error))
            named = _NAMED.search(str(error))
            if named is None or named.group(0) not in env:
                break
            del env[named.group(0)]
    return Settings(), problems


def key_problems(settings: Settings) -> list[str]:
    keys_dir = settings.data_dir / "keys"
    problems: list[str] = []
    if settings.jwt_secret is None:
        problems += _file_problems(keys_dir / "jwt.key", _jwt_file_problem)
    if settings.encryption_keys:
        for index, key in enumerate(settings.encryption_keys):
            if (why := _fernet_problem(key)) is not None:
                problems.append(f"SECURECHAT_ENCRYPTION_KEYS: key #{index + 1} {why}")
    else:
        problems += _file_problems(keys_dir / "fernet.key", _fernet_problem)
    return problems


def _jwt_file_problem(secret: str) -> str | None:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"holds fewer than {MIN_SECRET_BYTES} bytes"
    return None


def _fernet_problem(key: str) -> str | None:
    try:
        check_key(key)
    except (ValueError, TypeError):
        return "is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


def _file_problems(path: Path, problem: Callable[[str], str | None]) -> list[str]:
    """A key file that exists must be private and valid; a missing one is made at start."""
    if not path.exists():
        return []
    mode = path.stat().st_mode
    if mode & 0o077:
        return [f"{path} is accessible by others (mode {stat.filemode(mode)}): chmod 600 {path}"]
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        return [f"{path} cannot be read as a text key ({type(error).__name__})"]
    why = problem(value)
    return [f"{path} {why}"] if why else []


def database_problems(settings: Settings) -> list[str]:
    url = settings.resolved_database_url
    if url == MEMORY_URL:
        return []
    from adapters.sqlalchemy import migrations
    from adapters.sqlalchemy.engine import sqlite_file
    from adapters.sqlalchemy.failures import describe_startup_failure

    path = sqlite_file(url)
    if path is not None and not path.exists():
        return []  # the embedded default: created (and migrated) at the first start
    try:
        current, head = migrations.current_revision(url), migrations.head_revision(url)
    except Exception as error:
        why = describe_startup_failure(url, error)
        return [why or f"the database cannot be read: {type(error).__name__}"]
    if current != head and not settings.should_auto_migrate:
        return [
            f"the database schema is at {current or 'nothing'}, this server needs {head}: "
            "run `securechat db upgrade`"
        ]
    return []


def redis_problems(settings: Settings) -> list[str]:
    if not settings.redis_url:
        return []
    from adapters.redis_probe import RedisProbe

    probe = RedisProbe(settings.redis_url)
    try:
        why = probe.check()
    finally:
        probe.close()
    return [] if why is None else [f"SECURECHAT_REDIS_URL does not answer: {why}"]


def proxy_problems(settings: Settings) -> list[str]:
    problems = []
    for proxy in settings.trusted_proxies:
        network = ipaddress.ip_network(proxy, strict=False)  # parsed by validate already
        if network.prefixlen == 0:
            problems.append(
                f"SECURECHAT_TRUSTED_PROXIES: {proxy} trusts every address, so any client "
                "can choose the address its limits count: name the proxies' addresses"
            )
    return problems


def check(environ: Mapping[str, str], **overrides: object) -> tuple[Settings, list[str]]:
    """Every problem found, in the order: settings, keys, database, Redis, proxies."""
    settings, problems = settings_problems(environ, **overrides)
    problems += key_problems(settings)
    problems += database_problems(settings)
    problems += redis_problems(settings)
    problems += proxy_problems(settings)
    return settings, problems
