"""The gevent batcher: sends that arrive together run as one batch; each sender gets its
result."""

from __future__ import annotations

import gevent
import pytest

from entrypoints.flask.batching import GeventBatcher
from tests.support import doubler


def test_gevent_batcher_groups_ready_greenlets() -> None:
    calls: list[list[int]] = []
    batcher: GeventBatcher[int, int] = GeventBatcher(doubler(calls))
    greenlets = [gevent.spawn(batcher.submit, i) for i in range(10)]
    gevent.joinall(greenlets, timeout=5, raise_error=True)
    assert [g.value for g in greenlets] == [i * 2 for i in range(10)]
    assert calls == [list(range(10))]


def test_gevent_batcher_failure_reaches_every_sender() -> None:
    def explode(items: list[int]) -> list[int]:
        raise RuntimeError("disk full")

    batcher: GeventBatcher[int, int] = GeventBatcher(explode)
    greenlets = [gevent.spawn(batcher.submit, i) for i in range(3)]
    gevent.joinall(greenlets, timeout=5)
    for greenlet in greenlets:
        with pytest.raises(RuntimeError):
            greenlet.get()
