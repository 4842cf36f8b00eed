"""The asyncio batcher: sends that arrive together run as one batch; each sender gets its
result."""

from __future__ import annotations

import asyncio

from entrypoints.quart.batching import AsyncBatcher
from tests.support import doubler


def test_async_batcher_groups_what_arrives_together() -> None:
    calls: list[list[int]] = []

    async def main() -> list[int]:
        batcher: AsyncBatcher[int, int] = AsyncBatcher(doubler(calls))
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(main()) == [i * 2 for i in range(10)]
    assert calls == [list(range(10))]


def test_async_batcher_respects_its_limit_and_keeps_order() -> None:
    calls: list[list[int]] = []

    async def main() -> list[int]:
        batcher: AsyncBatcher[int, int] = AsyncBatcher(doubler(calls), limit=4)
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
