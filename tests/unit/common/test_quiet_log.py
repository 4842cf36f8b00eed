"""ClientNoiseFilter: one short line per record, no traceback, and a bounded rate."""

from __future__ import annotations

import io
import logging

from entrypoints.common.quiet_log import MAX_LINE_CHARS, ClientNoiseFilter, RepeatFilter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _logger(clock: Clock) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    logger = logging.Logger("test.quiet")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.addFilter(ClientNoiseFilter(per_second=2, burst=5, clock=clock))
    return logger, out


def test_tracebacks_become_the_exception_name() -> None:
    logger, out = _logger(Clock())
    try:
        raise ValueError("bad packet")
    except ValueError:
        logger.exception("message handler error")
    assert out.getvalue() == "message handler error (ValueError)\n"


def test_long_messages_are_cut() -> None:
    logger, out = _logger(Clock())
    logger.warning("x" * 10_000)
    assert len(out.getvalue()) <= MAX_LINE_CHARS + 2


def test_a_flood_is_cut_to_the_burst_then_the_rate_and_counted() -> None:
    clock = Clock()
    logger, out = _logger(clock)
    for _ in range(1000):
        logger.warning("noise %s", "again")
    assert out.getvalue().count("\n") == 5
    clock.now += 1.0  # two more tokens
    logger.warning("later")
    assert out.getvalue().splitlines()[-1] == "later [995 similar lines suppressed]"


def test_the_redis_managers_say_a_repeated_line_once_a_window() -> None:
    clock = Clock()
    out = io.StringIO()
    logger = logging.Logger("test.repeat")
    logger.addHandler(logging.StreamHandler(out))
    logger.addFilter(RepeatFilter(window_s=60, clock=clock))
    for _ in range(50):  # a publish failing per emit, for the length of an outage
        logger.error("Cannot publish to redis... giving up")
    logger.error("Cannot receive from redis... retrying in 1 secs")
    clock.now = 61.0
    logger.error("Cannot publish to redis... giving up")
    assert out.getvalue().splitlines() == [
        "Cannot publish to redis... giving up",
        "Cannot receive from redis... retrying in 1 secs",
        "Cannot publish to redis... giving up",
    ]
