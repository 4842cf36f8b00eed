"""Group commit on greenlets: `submit` blocks the calling greenlet until its batch is done.

The batch itself is common/batching.send_batch, the queue common/batching.BatchQueue;
under light load a batch is one message and costs one extra turn of the hub, under load one
transaction carries many. One batch runs at a time, which is also what SQLite's single
writer wants.
"""

from __future__ import annotations

from typing import TypeVar

import gevent
from gevent.event import AsyncResult

from entrypoints.common.batching import BatchQueue

T = TypeVar("T")
R = TypeVar("R")


class GeventBatcher(BatchQueue[T, R, AsyncResult]):
    _worker: gevent.Greenlet | None = None

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
                items, slots = self._take()
                try:
                    results = self._run(items)
                except BaseException as error:  # never leave a sender waiting forever
                    for slot in slots:
                        slot.set_exception(error)
                    continue
                for slot, result in zip(slots, results, strict=True):
                    slot.set(result)
        finally:
            self._worker = None
