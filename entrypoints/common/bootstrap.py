"""The composition root: the one place outside adapters/ that knows which adapters exist."""

from __future__ import annotations

import logging
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from adapters.auth.jwt_tokens import MIN_SECRET_BYTES, JwtTokenService
from adapters.crypto.argon2_hasher import Argon2Hasher
from adapters.crypto.fernet_cipher import FernetCipher, check_key, generate_key
from adapters.crypto.key_files import KeyFileError, WatchedKeyFile, load_or_create, write_keys
from adapters.crypto.offload import GeventRunner, OffloadedHasher, ThreadRunner
from adapters.limits.memory import MemoryRateLimiter, RuleError
from adapters.memory.presence import MemoryPresenceStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.metrics.prometheus import PrometheusMetrics
from adapters.system import ProcessFiles, SystemClock, UuidV7Generator
from adapters.text.emoji_table import UnicodeEmojiTable
from domain.usecases import CoreConfig, Deps
from entrypoints.common.connection_caps import OpenFiles
from entrypoints.common.settings import MEMORY_URL, Settings, SettingsError
from ports.cipher import KeyRing
from ports.health import Probe
from ports.limits import Check, RateLimiter
from ports.presence import PresenceStore
from ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("securechat.startup")


class StartupError(RuntimeError):
    """The server cannot start as configured; the message says what to do."""


@dataclass
class Core:
    """Everything a runtime needs: the use-case dependencies and how to release them."""

    settings: Settings
    deps: Deps
    closers: list[Callable[[], None]] = field(default_factory=list)
    limiter: RateLimiter = field(default_factory=lambda: NO_LIMITS)
    files: OpenFiles | None = None  # the process's open files, watched for their limit

    def close(self) -> None:
        while self.closers:
            self.closers.pop()()


class _NoLimits:
    def attempt(self, checks: Sequence[Check]) -> float:
        return 0.0


NO_LIMITS: RateLimiter = _NoLimits()


def _limiter(settings: Settings) -> RateLimiter:
    try:
        return MemoryRateLimiter(dict(settings.rate_limits))
    except RuleError as error:
        raise StartupError(f"SECURECHAT_RATE_LIMITS: {error}") from None


def _shared_state(
    settings: Settings, closers: list[Callable[[], None]]
) -> tuple[PresenceStore, RateLimiter]:
    """Presence and rate limits: this process's own, or, with SECURECHAT_REDIS_URL, on Redis
    for every process of the cluster (imported only then: no Redis cost without it)."""
    if not settings.redis_url:
        return MemoryPresenceStore(), _limiter(settings)
    import redis

    from adapters.redis.connection import RedisOutage, connect, first_line
    from adapters.redis.limits import RedisRateLimiter
    from adapters.redis.presence import RedisPresenceStore

    client = connect(settings.redis_url)
    closers.append(client.close)
    try:
        client.ping()
    except redis.RedisError as error:
        raise StartupError(
            f"cannot reach redis at {redis_address(settings.redis_url)}: {first_line(error)}"
        ) from None
    outage = RedisOutage()
    prefix = settings.redis_prefix
    try:
        limiter = RedisRateLimiter(dict(settings.rate_limits), client, prefix, outage)
    except RuleError as error:
        raise StartupError(f"SECURECHAT_RATE_LIMITS: {error}") from None
    return RedisPresenceStore(client, prefix, outage), limiter


def redis_address(url: str) -> str:
    """A Redis URL without its password, for messages."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


@dataclass(frozen=True)
class KeySource:
    """Where one kind of key comes from: a key file under the data directory (which
    `securechat keys` rewrites, and servers follow) or a variable (the operator's to set)."""

    keys: list[str]  # the first encrypts or signs; the others only decrypt or verify
    variable: str  # the variable that, when set, takes the file's place
    path: Path | None  # None: the keys come from `variable`
    generate: Callable[[], str]

    def replace(self, keys: list[str]) -> None:
        """Store a new key list (a file only: a variable is changed by the operator)."""
        if self.path is None:
            raise StartupError(f"the keys come from {self.variable}: change it there")
        write_keys(self.path, keys)

    def follow(self) -> Callable[[], list[str] | None] | None:
        """What a server asks before each use to see a rewritten file (None: a variable)."""
        return None if self.path is None else WatchedKeyFile(self.path, self.keys).changed


def prepare_data_dir(settings: Settings) -> None:
    # Owner-only when we create it: it holds the keys and the SQLite file (password hashes,
    # ciphertext). An existing directory is the operator's to set: we only warn if it is open.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _warn_if_open(settings.data_dir, "data directory", "chmod 700")


def _keys_dir(settings: Settings) -> Path:
    return settings.data_dir / "keys"


def encryption_keys(settings: Settings) -> KeySource:
    """SECURECHAT_ENCRYPTION_KEYS, or <data dir>/keys/fernet.key (made once), checked."""
    variable = "SECURECHAT_ENCRYPTION_KEYS"
    if settings.encryption_keys:
        source = KeySource(list(settings.encryption_keys), variable, None, generate_key)
        where = variable
    else:
        path = _keys_dir(settings) / "fernet.key"
        source = KeySource(_key_file(path, generate_key), variable, path, generate_key)
        where = str(path)
    for index, key in enumerate(source.keys):
        try:
            check_key(key)
        except (ValueError, TypeError):
            raise SettingsError(
                f"{where}: key #{index + 1} is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    return source


def _new_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


def jwt_keys(settings: Settings) -> KeySource:
    """SECURECHAT_JWT_SECRET (+ _PREVIOUS_SECRETS), or <data dir>/keys/jwt.key (made once)."""
    variable = "SECURECHAT_JWT_SECRET"
    if settings.jwt_secret:  # its length, and the previous ones', checked with the settings
        keys = [settings.jwt_secret, *settings.jwt_previous_secrets]
        return KeySource(keys, variable, None, _new_jwt_secret)
    path = _keys_dir(settings) / "jwt.key"
    keys = _key_file(path, _new_jwt_secret)
    if any(len(key.encode()) < MIN_SECRET_BYTES for key in keys):
        raise StartupError(
            f"{path} holds a key of fewer than {MIN_SECRET_BYTES} bytes: put a longer secret "
            "in it, or remove it to generate a new one (tokens already issued then stop working)"
        )
    return KeySource(keys, variable, path, _new_jwt_secret)


def _key_file(path: Path, generate: Callable[[], str]) -> list[str]:
    """The keys of a key file, one a line, generating it (one key) the first time."""
    try:
        return load_or_create(path, generate).split()
    except KeyFileError as error:  # the message says which file and what to do
        raise StartupError(str(error)) from None


def _warn_if_open(path: Path, what: str, fix: str) -> None:
    """Warn (never refuse: it is the operator's) when others may read or write `path`."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        log.warning(
            "the %s %s is open to other users (mode %s); run: %s %s",
            what,
            path,
            stat.filemode(mode),
            fix,
            path,
        )


def _storage(
    settings: Settings,
    closers: list[Callable[[], None]],
    on_failure: Callable[[], None] = lambda: None,
) -> tuple[UnitOfWorkFactory, tuple[Probe, ...]]:
    """The unit-of-work factory and its readiness probe; a database that cannot be used (a
    wrong URL, a missing driver, no answer) is one line of StartupError."""
    url = settings.resolved_database_url
    if url == MEMORY_URL:
        return MemoryUnitOfWorkFactory(), ()
    from adapters.sqlalchemy.failures import describe_startup_failure

    try:
        return _sql_storage(settings, url, closers, on_failure)
    except Exception as error:
        if (why := describe_startup_failure(url, error)) is None:
            raise
        raise StartupError(why) from None


def _sql_storage(
    settings: Settings, url: str, closers: list[Callable[[], None]], on_failure: Callable[[], None]
) -> tuple[UnitOfWorkFactory, tuple[Probe, ...]]:
    from adapters.sqlalchemy import migrations
    from adapters.sqlalchemy.engine import make_engine, sqlite_file
    from adapters.sqlalchemy.unit_of_work import DatabaseProbe, SqlUnitOfWorkFactory

    # New SQLite files are created 0600 (make_engine); one that already exists is the
    # operator's: say so if it is open, with its -wal/-shm files, which share its mode.
    path = sqlite_file(url)
    if path is not None and path.exists():
        _warn_if_open(path, "database file", "chmod 600")

    if settings.should_auto_migrate:
        migrations.upgrade(url)
    else:
        current, head = migrations.current_revision(url), migrations.head_revision(url)
        if current != head:
            raise StartupError(
                f"the database schema is at {current or 'nothing'}, this server needs {head}: "
                "run `securechat db upgrade`"
            )
    engine = make_engine(url, pool_size=max(5, settings.worker_threads), max_overflow=0)
    closers.append(engine.dispose)
    factory = SqlUnitOfWorkFactory(engine)
    factory.outage.on_failure = on_failure  # each failure counted (GET /metrics)
    return factory, (DatabaseProbe(factory),)


def _redis_probes(settings: Settings, closers: list[Callable[[], None]]) -> tuple[Probe, ...]:
    if not settings.redis_url:
        return ()
    from adapters.redis_probe import RedisProbe

    probe = RedisProbe(settings.redis_url)
    closers.append(probe.close)
    return (probe,)


def _hasher(
    settings: Settings, concurrency: str, closers: list[Callable[[], None]]
) -> OffloadedHasher:
    """argon2id on low-priority real threads: `concurrency` is how the caller waits."""
    runner: ThreadRunner | GeventRunner = (
        GeventRunner(settings.hash_threads)
        if concurrency == "gevent"
        else ThreadRunner(settings.hash_threads)
    )
    closers.append(runner.close)
    inner = Argon2Hasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    return OffloadedHasher(inner, runner)


def build_core(settings: Settings, concurrency: str = "threads") -> Core:
    """Wire the core. `concurrency` is "threads" (Quart, tests) or "gevent" (Flask)."""
    closers: list[Callable[[], None]] = []
    prepare_data_dir(settings)
    jwt, fernet = jwt_keys(settings), encryption_keys(settings)
    clock = SystemClock()
    tokens = JwtTokenService(
        jwt.keys[0],
        settings.jwt_issuer,
        settings.jwt_audience,
        clock,
        previous=jwt.keys[1:],
        reload=jwt.follow(),
    )
    presence, limiter = _shared_state(settings, closers)
    metrics = PrometheusMetrics(settings.metrics_allow, settings.metrics_token)
    closers.append(metrics.close)
    uow, probes = _storage(settings, closers, metrics.database_error)
    deps = Deps(
        uow=uow,
        cipher=FernetCipher(fernet.keys, fernet.follow()),
        hasher=_hasher(settings, concurrency, closers),
        tokens=tokens,
        clock=clock,
        ids=UuidV7Generator(clock),
        presence=presence,
        emoji=UnicodeEmojiTable(),
        config=CoreConfig(
            max_message_bytes=settings.max_message_bytes,
            room_token_ttl_s=settings.room_token_ttl_s,
            admin_token_ttl_s=settings.admin_token_ttl_s,
            user_token_ttl_s=settings.user_token_ttl_s,
            refresh_token_ttl_s=settings.refresh_token_ttl_s,
            kick_s=settings.kick_s,
            typing_s=settings.typing_s,
            message_limit=settings.message_limit,
            edit_window_s=settings.edit_window_s,
            guest_session_ttl_s=settings.guest_session_ttl_s,
            session_cookie_ttl_s=settings.session_cookie_ttl_s,
            recovery_limit=settings.recovery_limit,
        ),
        probes=probes + _redis_probes(settings, closers),
        metrics=metrics,
    )
    return Core(settings, deps, closers, limiter, ProcessFiles())


def migrate_schema(settings: Settings, action: str, revision: str | None = None) -> str:
    """`securechat db upgrade|downgrade|current`: apply or report migrations on the
    configured database; returns the revision it is at afterwards."""
    from adapters.sqlalchemy import migrations
    from adapters.sqlalchemy.failures import describe_startup_failure

    url = settings.resolved_database_url
    if url == MEMORY_URL:
        raise StartupError("the memory store has no schema")
    if action == "downgrade" and not revision:
        raise StartupError("downgrade needs a target revision (e.g. base)")
    try:
        if action == "upgrade":
            migrations.upgrade(url, revision or "head")
        elif action == "downgrade":
            migrations.downgrade(url, revision or "base")
        return migrations.current_revision(url) or "nothing"
    except Exception as error:
        if (why := describe_startup_failure(url, error)) is None:
            raise
        raise StartupError(why) from None


def stored_messages(settings: Settings) -> tuple[UnitOfWorkFactory, Callable[[], None]]:
    """The configured database, for a maintenance command (key rotation), and its closer."""
    if settings.resolved_database_url == MEMORY_URL:
        raise StartupError("the memory store keeps nothing at rest: there is nothing to rewrite")
    prepare_data_dir(settings)
    closers: list[Callable[[], None]] = []
    uow, _ = _storage(settings, closers)

    def close() -> None:
        for closer in closers:
            closer()

    return uow, close


def keyring(keys: Sequence[str]) -> KeyRing:
    """A fixed set of encryption keys, the first encrypting (a command's, not a server's)."""
    return FernetCipher(keys)
