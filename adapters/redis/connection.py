"""One Redis client per process, and what a lost Redis means: `Unavailable` (503 with
Retry-After, an error ack), logged once per outage, never a traceback per request."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from domain.model.errors import Unavailable

log = logging.getLogger("securechat.redis")
T = TypeVar("T")

# A Redis that does not answer is an outage after this long, not a request held open.
TIMEOUT_S = 1.0


def connect(url: str) -> redis.Redis:
    """A client for `url` (its pool is thread-safe; under gevent its sockets cooperate)."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT_S,
        socket_timeout=TIMEOUT_S,
        retry_on_timeout=False,
        decode_responses=False,
    )


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class RedisOutage:
    """Calls to Redis through `run`: a connection failure becomes `Unavailable`; one line
    when Redis goes away, one when it is back. One per process (the composition root's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def run(self, fn: Callable[[], T]) -> T:
        try:
            result = fn()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise self.failed(error) from None
        self.succeeded()
        return result

    def failed(self, error: BaseException) -> Unavailable:
        with self._lock:
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.error(
                    "redis unavailable, answering 503 until it returns: %s", first_line(error)
                )
        return Unavailable("shared state (redis) is unavailable; try again shortly")

    def succeeded(self) -> None:
        if self._down_since is None:  # the common case: no lock
            return
        with self._lock:
            if self._down_since is not None:
                lasted = time.monotonic() - self._down_since
                self._down_since = None
                log.warning("redis available again after %.1f s", lasted)
