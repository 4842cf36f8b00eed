"""The batchers: sends that arrive together run as one batch; each sender gets its result."""

from __future__ import annotations

import asyncio

import gevent
import pytest

from entrypoints.flask.batching import GeventBatcher
from entrypoints.quart.batching import AsyncBatcher


def _doubler(calls: list[list[int]]):  # type: ignore[no-untyped-def]
    def run(items: list[int]) -> list[int]:
        calls.append(list(items))
        return [item * 2 for item in items]

    return run


def test_async_batcher_groups_what_arrives_together() -> None:
    calls: list[list[int]] = []

    async def main() -> list[int]:
        batcher: AsyncBatcher[int, int] = AsyncBatcher(_doubler(calls))
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(main()) == [i * 2 for i in range(10)]
    assert calls == [list(range(10))]


def test_async_batcher_respects_its_limit_and_keeps_order() -> None:
    calls: list[list[int]] = []

    async def main() -> list[int]:
        batcher: AsyncBatcher[int, int] = AsyncBatcher(_doubler(calls), limit=4)
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(main()) == [i * 2 for i in range(10)]
    assert calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_async_batcher_failure_reaches_every_sender_and_it_recovers() -> None:
    def explode(items: list[int]) -> list[int]:
        raise RuntimeError("disk full")

    async def main() -> None:
        batcher: AsyncBatcher[int, int] = AsyncBatcher(explode)
        results = await asyncio.gather(
            *(batcher.submit(i) for i in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, RuntimeError) for r in results)
        batcher._run = lambda items: [0 for _ in items]  # type: ignore[method-assign]
        assert await batcher.submit(5) == 0

    asyncio.run(main())


def test_gevent_batcher_groups_ready_greenlets() -> None:
    calls: list[list[int]] = []
    batcher: GeventBatcher[int, int] = GeventBatcher(_doubler(calls))
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
