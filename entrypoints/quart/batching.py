"""Group commit on asyncio: a batch runs in a worker thread; what arrives meanwhile forms
the next. The batch itself is common/batching.send_batch, the queue common/batching.BatchQueue.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from entrypoints.common.batching import BatchQueue

T = TypeVar("T")
R = TypeVar("R")


class AsyncBatcher(BatchQueue[T, R, "asyncio.Future[R]"]):
    _worker: asyncio.Task[None] | None = None

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
                items, futures = self._take()
                try:
                    results = await asyncio.to_thread(self._run, items)
                except BaseException as error:  # never leave a sender waiting forever
                    for future in futures:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for future, result in zip(futures, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._worker = None
