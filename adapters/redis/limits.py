"""Rate limits every process of a cluster counts together: the same fixed window as one
process's (adapters/limits/memory.py), on `limits`' own Redis storage, on our connection
pool. A check and its count are two round trips, not one transaction: two processes
counting the last attempt of a window at the same moment may both let it through (a
window's allowance is exceeded by at most the number of processes, never more)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import redis
from limits.storage import RedisStorage

from adapters.limits.memory import FixedWindowLimiter
from adapters.redis.connection import RedisOutage
from ports.limits import Check


class RedisRateLimiter:
    def __init__(
        self,
        rules: Mapping[str, str],
        client: redis.Redis,
        prefix: str,
        outage: RedisOutage,
        clock: Callable[[], float] = time.time,
    ) -> None:
        storage = RedisStorage(
            "redis://", connection_pool=client.connection_pool, key_prefix=f"{prefix}:limits"
        )
        self._window = FixedWindowLimiter(rules, storage, clock)
        self._outage = outage

    def attempt(self, checks: Sequence[Check]) -> float:
        return self._outage.run(lambda: self._window.attempt(checks))
