"""Logging that a hostile client cannot turn into an amplifier.

engine.io and python-socketio log client mistakes (a packet that does not decode, a handler
error) with ``logger.exception``: a traceback per bad packet, several KiB for a few bytes
sent. Their loggers, and our notes on refused packets, go through ``ClientNoiseFilter``:
one short line per record, no traceback, and at most ``burst`` lines plus ``per_second``
a second; what is dropped is counted and reported in the next line that passes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

MAX_LINE_CHARS = 200
TRANSPORT_LOGGER = "securechat.transport"


class ClientNoiseFilter(logging.Filter):
    def __init__(
        self,
        per_second: float = 5.0,
        burst: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._rate = per_second
        self._burst = burst
        self._tokens = burst
        self._clock = clock
        self._last = clock()
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1:
            self._dropped += 1
            return False
        self._tokens -= 1
        message = record.getMessage()
        if len(message) > MAX_LINE_CHARS:
            message = message[:MAX_LINE_CHARS] + "…"
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message} ({type(record.exc_info[1]).__name__})"
        if self._dropped:
            message = f"{message} [{self._dropped} similar lines suppressed]"
            self._dropped = 0
        record.msg, record.args = message, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def transport_logger(name: str = TRANSPORT_LOGGER) -> logging.Logger:
    """The logger given to engine.io and python-socketio: filtered, never a traceback; their
    INFO chatter (every packet) stays off, warnings and errors pass."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, ClientNoiseFilter) for f in logger.filters):
        logger.addFilter(ClientNoiseFilter())
    if logger.level == logging.NOTSET or logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    return logger


class RepeatFilter(logging.Filter):
    """A line said again within `window_s` of its last saying is dropped: the Redis
    managers log each publish that fails, so a Redis outage would be a line per emit."""

    def __init__(self, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._window = window_s
        self._clock = clock
        self._said: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = self._clock()
        text = str(record.msg)
        last = self._said.get(text)
        self._said[text] = now
        if len(self._said) > 100:  # bounded: the managers say only a few distinct lines
            self._said = {text: now}
        return last is None or now - last > self._window


PUBSUB_LOGGER = "securechat.redis.pubsub"


def pubsub_logger() -> logging.Logger:
    """The logger given to the Redis managers: `transport_logger`'s, saying each line once
    a minute at most."""
    logger = transport_logger(PUBSUB_LOGGER)
    if not any(isinstance(f, RepeatFilter) for f in logger.filters):
        logger.filters.insert(0, RepeatFilter())
    return logger
