"""Group commit on greenlets: `submit` blocks the calling greenlet until its batch is done.

The batch itself is common/batching.send_batch; under light load a batch is one message and
costs one extra turn of the hub, under load one transaction carries many. One batch runs at
a time, which is also what SQLite's single writer wants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import gevent
from gevent.event import AsyncResult

from entrypoints.common.batching import MAX_BATCH

T = TypeVar("T")
R = TypeVar("R")


class GeventBatcher(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], list[R]], limit: int = MAX_BATCH) -> None:
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[T, AsyncResult]] = []
        self._worker: gevent.Greenlet | None = None

    def submit(self, item: T) -> R:
        slot = AsyncResult()
        self._waiting.append((item, slot))
        if self._worker is None:
            self._worker = gevent.spawn(self._drain)
        result: R = slot.get()
        return result

    def _drain(self) -> None:
        try:
            while self._waiting:
                gevent.sleep(0)  # every handler that is ready joins this batch first
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                try:
                    results = self._run([item for item, _ in batch])
                except BaseException as error:  # never leave a sender waiting forever
                    for _, slot in batch:
                        slot.set_exception(error)
                    continue
                for (_, slot), result in zip(batch, results, strict=True):
                    slot.set(result)
        finally:
            self._worker = None
