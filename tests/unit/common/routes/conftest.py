"""The route tests' fixture: a shell without a framework over the memory adapters."""

from __future__ import annotations

import pytest

from tests.support import World
from tests.unit.common.routes.harness import Http


@pytest.fixture
def http(world: World) -> Http:
    return Http(world)
