"""Configuration from the environment (12-factor), parsed once into a frozen dataclass."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from domain.model.rooms import MESSAGE_LIMIT_MAX
from domain.usecases.deps import CoreConfig
from entrypoints.common.limits import DEFAULT_RATE_LIMITS, parse_rate_limits

PREFIX = "SECURECHAT_"
RUNTIMES = ("flask", "quart")
MEMORY_URL = "memory://"
FORWARDED_FAMILIES = ("x-forwarded-for", "forwarded")
"""SECURECHAT_FORWARDED_HEADER's values: the one family of forwarded headers that counts."""
REDIS_SCHEMES = ("redis", "rediss", "unix")
_PREFIX_CHARS = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the server refuses to start."""


# The core's own defaults (message bound, token lifetimes) are the domain's: defined once there.
_CORE = CoreConfig()


@dataclass(frozen=True, slots=True)
class Settings:
    runtime: str = "flask"
    host: str = "127.0.0.1"
    port: int = 10000
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: SQLite file in the data directory
    jwt_secret: str | None = field(default=None, repr=False)
    # Keys that signed tokens before SECURECHAT_JWT_SECRET did: they verify until removed.
    jwt_previous_secrets: tuple[str, ...] = field(default=(), repr=False)
    jwt_issuer: str = "securechat"
    jwt_audience: str = "securechat"
    encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    max_message_bytes: int = _CORE.max_message_bytes
    max_request_bytes: int = 64 * 1024
    cors_origins: tuple[str, ...] = ()
    room_token_ttl_s: int = _CORE.room_token_ttl_s
    admin_token_ttl_s: int = _CORE.admin_token_ttl_s
    user_token_ttl_s: int = _CORE.user_token_ttl_s
    refresh_token_ttl_s: int = _CORE.refresh_token_ttl_s
    kick_s: int = _CORE.kick_s
    typing_s: int = _CORE.typing_s
    message_limit: int = _CORE.message_limit  # rooms without their own limit (0: keep all)
    edit_window_s: int = _CORE.edit_window_s
    guest_session_ttl_s: int = _CORE.guest_session_ttl_s
    session_cookie_ttl_s: int = _CORE.session_cookie_ttl_s  # a page session's cookie, unused
    token_warning_s: int = 60  # a live socket is told this long before its token ends
    recovery_limit: int = _CORE.recovery_limit  # the most changes one recovery gives
    auto_migrate: bool | None = None  # None: only for the embedded SQLite default
    worker_threads: int = 4
    hash_threads: int = 2
    # OWASP's argon2id profile (about 20 ms of one core); stored in each hash, so changing
    # it never breaks old passwords.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    argon2_parallelism: int = 1
    slow_client_timeout_s: int = 10
    refusal_delay_ms: int = 1000  # how long a refusal over a rate limit waits (0: none)
    max_queued_bytes: int = 1024 * 1024
    max_header_bytes: int = 16 * 1024  # request line and headers together
    max_header_count: int = 100
    trusted_proxies: tuple[str, ...] = ()  # addresses or CIDRs whose X-Forwarded-* count
    # Which family of forwarded headers counts from them (the other is removed at the edge).
    forwarded_header: str = "x-forwarded-for"
    rate_limits: tuple[tuple[str, str], ...] = tuple(DEFAULT_RATE_LIMITS.items())
    # Live sockets (connection_caps.py): a person's tabs, everyone behind one NAT address.
    max_sockets_per_identity: int = 20
    max_sockets_per_address: int = 200
    fd_reserve: int = 100  # open files kept for other clients (0: not watched)
    # Scale-out (docs/scaling.md): empty, one process with in-memory state; a redis:// URL,
    # broadcasts, presence, typing, rate limits and revocations shared by every process
    # on it (and /readyz pings it). The prefix keeps clusters apart on one Redis.
    redis_url: str = field(default="", repr=False)  # may hold a password
    redis_prefix: str = "securechat"
    # GET /metrics is closed (404) unless a scrape comes from one of these addresses or
    # CIDRs (the client address, after trusted proxies) or carries this bearer token.
    metrics_allow: tuple[str, ...] = ()
    metrics_token: str | None = field(default=None, repr=False)
    # Logs (request_log.py): text or one JSON object per line; one line per request.
    log_format: str = "text"
    access_log: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'securechat.db').resolve()}"

    @property
    def storage(self) -> str:
        url = self.resolved_database_url
        if url == MEMORY_URL:
            return "memory"
        return url.split(":", 1)[0].split("+", 1)[0]

    @property
    def should_auto_migrate(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return not self.database_url

    def with_overrides(self, **changes: object) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        merged = replace(self, **clean)  # type: ignore[arg-type]  # values are the fields' own types, checked by validate
        merged.validate()
        return merged

    def validate(self) -> None:
        if self.runtime not in RUNTIMES:
            raise SettingsError(f"runtime must be one of {', '.join(RUNTIMES)}")
        if not 0 <= self.port <= 65535:
            raise SettingsError("port must be 0-65535")
        if self.max_message_bytes > self.max_request_bytes:
            raise SettingsError("SECURECHAT_MAX_MESSAGE_BYTES exceeds SECURECHAT_MAX_REQUEST_BYTES")
        if not 0 <= self.message_limit <= MESSAGE_LIMIT_MAX:
            raise SettingsError(f"SECURECHAT_MESSAGE_LIMIT must be 0-{MESSAGE_LIMIT_MAX}")
        if "*" in self.cors_origins:
            raise SettingsError("SECURECHAT_CORS_ORIGINS: list origins explicitly; '*' is refused")
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < 32:
            raise SettingsError("SECURECHAT_JWT_SECRET must be at least 32 bytes")
        if self.jwt_previous_secrets and self.jwt_secret is None:
            raise SettingsError(
                "SECURECHAT_JWT_PREVIOUS_SECRETS needs SECURECHAT_JWT_SECRET (with the key "
                "file, rotate with `securechat keys rotate-jwt`)"
            )
        if any(len(secret.encode()) < 32 for secret in self.jwt_previous_secrets):
            raise SettingsError("SECURECHAT_JWT_PREVIOUS_SECRETS: each must be at least 32 bytes")
        if self.forwarded_header not in FORWARDED_FAMILIES:
            raise SettingsError(
                f"SECURECHAT_FORWARDED_HEADER must be one of {', '.join(FORWARDED_FAMILIES)}"
            )
        if self.redis_url and self.redis_url.split(":", 1)[0] not in REDIS_SCHEMES:
            raise SettingsError(
                f"SECURECHAT_REDIS_URL must start with one of {', '.join(REDIS_SCHEMES)}:"
            )
        if not _PREFIX_CHARS.fullmatch(self.redis_prefix):
            raise SettingsError(
                "SECURECHAT_REDIS_PREFIX: letters, digits, '.', '_', '-' and ':' only (1-64)"
            )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(
                    f"SECURECHAT_TRUSTED_PROXIES: {proxy!r} is not an address or CIDR"
                ) from None
        for allowed in self.metrics_allow:
            try:
                ipaddress.ip_network(allowed, strict=False)
            except ValueError:
                raise SettingsError(
                    f"SECURECHAT_METRICS_ALLOW: {allowed!r} is not an address or CIDR"
                ) from None
        if self.log_format not in ("text", "json"):
            raise SettingsError("SECURECHAT_LOG_FORMAT must be text or json")
        if self.metrics_token is not None and len(self.metrics_token.encode()) < 16:
            raise SettingsError("SECURECHAT_METRICS_TOKEN must be at least 16 bytes")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value.strip() if value is not None and value.strip() else None

        def integer(name: str, default: int, minimum: int = 1) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{PREFIX}{name} must be an integer") from None
            if value < minimum:
                raise SettingsError(f"{PREFIX}{name} must be at least {minimum}")
            return value

        def boolean(name: str) -> bool | None:
            raw = get(name)
            if raw is None:
                return None
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise SettingsError(f"{PREFIX}{name} must be true or false")

        def rates(name: str) -> tuple[tuple[str, str], ...]:
            try:
                return tuple(parse_rate_limits(get(name) or "").items())
            except ValueError as error:
                raise SettingsError(f"{PREFIX}{name}: {error}") from None

        def listing(name: str) -> tuple[str, ...]:
            raw = get(name)
            return tuple(p.strip() for p in raw.split(",") if p.strip()) if raw else ()

        d = DEFAULTS
        settings = cls(
            runtime=get("RUNTIME") or d.runtime,
            host=get("HOST") or d.host,
            port=integer("PORT", d.port, minimum=0),
            data_dir=Path(get("DATA_DIR") or d.data_dir),
            database_url=get("DATABASE_URL") or d.database_url,
            jwt_secret=get("JWT_SECRET"),
            jwt_previous_secrets=listing("JWT_PREVIOUS_SECRETS"),
            jwt_issuer=get("JWT_ISSUER") or d.jwt_issuer,
            jwt_audience=get("JWT_AUDIENCE") or d.jwt_audience,
            encryption_keys=listing("ENCRYPTION_KEYS"),
            max_message_bytes=integer("MAX_MESSAGE_BYTES", d.max_message_bytes),
            max_request_bytes=integer("MAX_REQUEST_BYTES", d.max_request_bytes),
            cors_origins=listing("CORS_ORIGINS"),
            room_token_ttl_s=integer("ROOM_TOKEN_TTL", d.room_token_ttl_s),
            admin_token_ttl_s=integer("ADMIN_TOKEN_TTL", d.admin_token_ttl_s),
            user_token_ttl_s=integer("USER_TOKEN_TTL", d.user_token_ttl_s),
            refresh_token_ttl_s=integer("REFRESH_TOKEN_TTL", d.refresh_token_ttl_s),
            kick_s=integer("KICK_SECONDS", d.kick_s),
            typing_s=integer("TYPING_SECONDS", d.typing_s),
            message_limit=integer("MESSAGE_LIMIT", d.message_limit, minimum=0),
            edit_window_s=integer("EDIT_WINDOW_SECONDS", d.edit_window_s),
            guest_session_ttl_s=integer("GUEST_SESSION_TTL", d.guest_session_ttl_s),
            session_cookie_ttl_s=integer("SESSION_COOKIE_TTL", d.session_cookie_ttl_s),
            token_warning_s=integer("TOKEN_WARNING_SECONDS", d.token_warning_s, minimum=0),
            recovery_limit=integer("RECOVERY_LIMIT", d.recovery_limit),
            auto_migrate=boolean("AUTO_MIGRATE"),
            worker_threads=integer("WORKER_THREADS", d.worker_threads),
            hash_threads=integer("HASH_THREADS", d.hash_threads),
            argon2_time_cost=integer("ARGON2_TIME_COST", d.argon2_time_cost),
            argon2_memory_kib=integer("ARGON2_MEMORY_KIB", d.argon2_memory_kib, minimum=8),
            argon2_parallelism=integer("ARGON2_PARALLELISM", d.argon2_parallelism),
            slow_client_timeout_s=integer("SLOW_CLIENT_TIMEOUT", d.slow_client_timeout_s),
            refusal_delay_ms=integer("REFUSAL_DELAY_MS", d.refusal_delay_ms, minimum=0),
            max_queued_bytes=integer("MAX_QUEUED_BYTES", d.max_queued_bytes),
            max_header_bytes=integer("MAX_HEADER_BYTES", d.max_header_bytes, minimum=1024),
            max_header_count=integer("MAX_HEADER_COUNT", d.max_header_count),
            trusted_proxies=listing("TRUSTED_PROXIES"),
            forwarded_header=(get("FORWARDED_HEADER") or d.forwarded_header).lower(),
            rate_limits=rates("RATE_LIMITS"),
            max_sockets_per_identity=integer(
                "MAX_SOCKETS_PER_IDENTITY", d.max_sockets_per_identity
            ),
            max_sockets_per_address=integer("MAX_SOCKETS_PER_ADDRESS", d.max_sockets_per_address),
            fd_reserve=integer("FD_RESERVE", d.fd_reserve, minimum=0),
            redis_url=get("REDIS_URL") or d.redis_url,
            redis_prefix=get("REDIS_PREFIX") or d.redis_prefix,
            metrics_allow=listing("METRICS_ALLOW"),
            metrics_token=get("METRICS_TOKEN"),
            log_format=(get("LOG_FORMAT") or d.log_format).lower(),
            access_log=bool(boolean("ACCESS_LOG")),
        )
        settings.validate()
        return settings


# Every default, defined once (the fields above): what from_env falls back to, and what the
# shells' classes hold until serve() sets the configured value.
DEFAULTS = Settings()
