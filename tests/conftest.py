"""Shared fixtures: real Postgres schemas, throwaway data directories, a fake clock and
the real token service on it (unit and adapter tests alike)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from adapters.auth.jwt_tokens import JwtTokenService
from tests.support import AUDIENCE, ISSUER, JWT_SECRET, FakeClock

POSTGRES_URL = os.environ.get(
    "SECURECHAT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("SECURECHAT_REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("SECURECHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _postgres_unavailable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    try:
        psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            connect_timeout=3,
        ).close()
    except psycopg.Error as error:
        return f"Postgres at {url.host}:{url.port} is unreachable: {error}".strip()
    return None


@pytest.fixture(scope="session")
def postgres_available() -> None:
    reason = _postgres_unavailable()
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"SECURECHAT_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_available() -> None:
    """The shared Redis (never stopped by a test: a fault test starts its own)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:
        reason = f"Redis at {REDIS_URL} is unreachable: {error}"
        if REQUIRE_SERVICES:
            pytest.fail(f"SECURECHAT_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)


def drop_redis_prefix(url: str, prefix: str) -> None:
    """Remove a test's keys (its own prefix) from a shared Redis."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema, dropped afterwards."""
    yield from fresh_postgres_schema()


def fresh_postgres_schema() -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/chat.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> JwtTokenService:
    return JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock)


# -- the quick lane -------------------------------------------------------------------------

# What `pytest --quick` leaves out: the browser, the benchmark's own run, the migrations'
# round trips on real databases.
SLOW_PATHS = (
    "tests/web/",
    "tests/test_bench.py",
    "tests/migrations/",
    "tests/contract/test_cluster.py",  # two servers, Postgres and Redis
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        help="the edit-test loop: unit, adapter and static tests and the contract suite on "
        "one runtime (flask) and one storage (memory); the README's command runs everything",
    )


# -- the order of the full run --------------------------------------------------------------

# The modules that take a minute or more on one worker, longest first. They are handed out
# first (--dist loadscope deals modules out in collection order), so none of them starts
# last and leaves the other workers idle while it finishes.
LONG_POLES = (
    "tests/test_bench.py",
    "tests/web/test_long_sessions.py",
    "tests/contract/test_schemathesis.py",
    "tests/contract/test_limits.py",
    "tests/contract/test_edits.py",
    "tests/web/test_delivery.py",
    "tests/contract/test_presence.py",
    "tests/contract/test_key_rotation.py",
    "tests/contract/test_configuration.py",
    "tests/contract/test_connections.py",
    "tests/contract/test_sessions.py",
    "tests/web/test_accessibility.py",
    "tests/test_static_checks.py",
)


def _long_pole_first(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONG_POLES.index(path) if path in LONG_POLES else len(LONG_POLES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_long_pole_first)  # stable: every module keeps its own order
    if not config.getoption("--quick"):
        return
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        slow = item.nodeid.startswith(SLOW_PATHS)
        other = params.get("runtime", "flask") != "flask" or params.get(
            "storage", "memory"
        ) not in ("memory",)
        (dropped if slow or other else kept).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept
