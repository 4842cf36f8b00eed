"""The contract fixtures: every test runs against runtime x storage, in production servers.

A server is started per test module and combination, with a fresh database (a new SQLite
file or Postgres schema, migrated with Alembic); tests use fresh room ids, so they never
see each other's data.
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


@pytest.fixture(scope="module")
def database(
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


@pytest.fixture(scope="module")
def jwt_secret() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture(scope="module")
def server(
    runtime: str,
    database: str,
    jwt_secret: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ServerProcess]:
    """A production server per module and combination; a module's `SERVER_ENV` (settings
    by environment variable) is added to its environment."""
    data_dir: Path = tmp_path_factory.mktemp(f"data-{runtime}")
    env = {"SECURECHAT_JWT_SECRET": jwt_secret, **getattr(request.module, "SERVER_ENV", {})}
    prefix = ""
    if CONTRACT_ON_REDIS:  # the whole suite on the shared state of a cluster
        prefix = "contract-" + secrets.token_hex(6)
        env |= {"SECURECHAT_REDIS_URL": REDIS_URL, "SECURECHAT_REDIS_PREFIX": prefix}
    process = ServerProcess(runtime, data_dir, database, env)
    process.start()
    yield process
    process.stop()
    if prefix:
        drop_redis_prefix(REDIS_URL, prefix)
    stderr = process.stderr_text()
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()
