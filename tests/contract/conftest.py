"""The contract fixtures: every test runs against runtime x storage, in production servers.

A server is started per test module and combination, with a fresh database (a new SQLite
file or Postgres schema, migrated with Alembic); tests use fresh room ids, so they never
see each other's data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sqlalchemy import migrations
from tests.conftest import fresh_postgres_schema
from tests.contract.client import Api
from tests.contract.harness import ServerProcess

RUNTIMES = ("flask", "quart")
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
    process = ServerProcess(runtime, data_dir, database, env)
    process.start()
    yield process
    process.stop()
    stderr = process.stderr_text()
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()
