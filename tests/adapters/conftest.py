"""The storage backends every repository and unit-of-work suite runs on.

memory   -> MemoryUnitOfWorkFactory
sqlite   -> a migrated SQLite file (WAL, BEGIN IMMEDIATE for writers, in-process write lock)
postgres -> a migrated, throwaway Postgres schema
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from ports.unit_of_work import UnitOfWorkFactory
from tests.support import migrated_factory

STORAGES = ["memory", "sqlite", "postgres"]


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def uow_factory(storage: str, request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    if storage == "memory":
        yield MemoryUnitOfWorkFactory()
        return
    url = request.getfixturevalue(f"{storage}_url")
    engines: list[Engine] = []
    try:
        yield migrated_factory(url, engines)
    finally:
        for engine in engines:
            engine.dispose()
