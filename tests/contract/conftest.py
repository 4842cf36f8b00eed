"""The contract fixtures: every test runs against runtime x storage, in production servers.

Modules with the default settings share one server per runtime x storage and test worker
(started when first asked for, with a fresh database: a new SQLite file or Postgres schema,
migrated with Alembic); a module with its own `SERVER_ENV`, or `OWN_SERVER = True`, gets a
server and database of its own. Tests use fresh room ids, so they never see each other's
data; each module checks that the server printed no traceback while it ran.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sqlalchemy import migrations
from tests.conftest import REDIS_URL, drop_redis_prefix, fresh_postgres_schema
from tests.contract.client import Api
from tests.contract.harness import ServerProcess

RUNTIMES = ("flask", "quart")
# SECURECHAT_TEST_CONTRACT_REDIS=1: every server of the suite runs with SECURECHAT_REDIS_URL
# (its presence, limits and broadcasts on Redis, one prefix per server), so the one-process
# contract is checked on the cluster's code paths too.
CONTRACT_ON_REDIS = os.environ.get("SECURECHAT_TEST_CONTRACT_REDIS") == "1"
STORAGES = ("memory", "sqlite", "postgres")


@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=STORAGES)
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _owns_server(request: pytest.FixtureRequest) -> bool:
    """Whether the module needs a server of its own (its own settings, or it says so)."""
    module = request.module
    return bool(getattr(module, "SERVER_ENV", None)) or getattr(module, "OWN_SERVER", False)


def _fresh_database(
    storage: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A migrated, empty database of the chosen kind, as a URL for `--database`."""
    if storage == "memory":
        yield "memory"
        return
    if storage == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/chat.db"
        migrations.upgrade(url)
        yield url
        return
    request.getfixturevalue("postgres_available")
    for url in fresh_postgres_schema():
        migrations.upgrade(url)
        yield url


def _on_redis(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """With CONTRACT_ON_REDIS, the server's settings plus Redis under a prefix of its own."""
    if not CONTRACT_ON_REDIS:  # the whole suite on the shared state of a cluster
        return env, ""
    prefix = "contract-" + secrets.token_hex(6)
    return env | {"SECURECHAT_REDIS_URL": REDIS_URL, "SECURECHAT_REDIS_PREFIX": prefix}, prefix


class SharedServers:
    """This worker's servers with default settings, one per runtime x storage, started when
    first asked for and stopped at the end of the session."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, jwt_secret: str) -> None:
        self._tmp = tmp_path_factory
        self._secret = jwt_secret
        self._servers: dict[tuple[str, str], tuple[str, ServerProcess]] = {}
        self._databases: list[Iterator[str]] = []
        self._prefixes: list[str] = []

    def get(
        self, runtime: str, storage: str, request: pytest.FixtureRequest
    ) -> tuple[str, ServerProcess]:
        key = (runtime, storage)
        if key not in self._servers:
            databases = _fresh_database(storage, self._tmp, request)
            database = next(databases)
            self._databases.append(databases)
            data_dir: Path = self._tmp.mktemp(f"shared-{runtime}-{storage}")
            env, prefix = _on_redis({"SECURECHAT_JWT_SECRET": self._secret})
            if prefix:
                self._prefixes.append(prefix)
            self._servers[key] = (database, ServerProcess(runtime, data_dir, database, env).start())
        return self._servers[key]

    def close(self) -> None:
        for _, process in self._servers.values():
            process.stop()
        for prefix in self._prefixes:
            drop_redis_prefix(REDIS_URL, prefix)
        for databases in self._databases:
            for _ in databases:  # runs the generator's clean-up (drops a Postgres schema)
                pass


@pytest.fixture(scope="session")
def shared_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture(scope="session")
def shared_servers(
    tmp_path_factory: pytest.TempPathFactory, shared_jwt_secret: str
) -> Iterator[SharedServers]:
    servers = SharedServers(tmp_path_factory, shared_jwt_secret)
    yield servers
    servers.close()


@pytest.fixture(scope="module")
def database(
    runtime: str,
    storage: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """The module's database, as a URL for `--database`: the shared server's, or a fresh one."""
    if _owns_server(request):
        yield from _fresh_database(storage, tmp_path_factory, request)
        return
    shared: SharedServers = request.getfixturevalue("shared_servers")
    yield shared.get(runtime, storage, request)[0]


@pytest.fixture(scope="module")
def jwt_secret(request: pytest.FixtureRequest) -> str:
    """The key the module's server signs with (the shared servers share one)."""
    if _owns_server(request):
        return secrets.token_urlsafe(48)
    return str(request.getfixturevalue("shared_jwt_secret"))


@pytest.fixture(scope="module")
def server(
    runtime: str,
    storage: str,
    database: str,
    jwt_secret: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ServerProcess]:
    """The module's production server for its combination: the shared one, or its own with
    the module's `SERVER_ENV` (settings by environment variable) added."""
    if _owns_server(request):
        data_dir: Path = tmp_path_factory.mktemp(f"data-{runtime}")
        env = {"SECURECHAT_JWT_SECRET": jwt_secret, **getattr(request.module, "SERVER_ENV", {})}
        env, prefix = _on_redis(env)
        process = ServerProcess(runtime, data_dir, database, env)
        process.start()
        yield process
        process.stop()
        if prefix:
            drop_redis_prefix(REDIS_URL, prefix)
        stderr = process.stderr_text()
        assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"
        return
    shared: SharedServers = request.getfixturevalue("shared_servers")
    process = shared.get(runtime, storage, request)[1]
    before = len(process.stderr_text())
    yield process
    stderr = process.stderr_text()[before:]
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()
