"""Group commit on asyncio: a batch runs in a worker thread; what arrives meanwhile forms
the next. The batch itself is common/batching.send_batch."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from entrypoints.common.batching import MAX_BATCH

T = TypeVar("T")
R = TypeVar("R")


class AsyncBatcher(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], list[R]], limit: int = MAX_BATCH) -> None:
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._worker is None:
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # every handler that is ready joins this batch first
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                try:
                    results = await asyncio.to_thread(self._run, [item for item, _ in batch])
                except BaseException as error:  # never leave a sender waiting forever
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._worker = None
