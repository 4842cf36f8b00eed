"""Group commit for socket sends: the messages that arrive together go out in one batch.

What a batch does is written once (SocketProtocol.send_batch); only how callers wait
differs, so there are two small twins, as python-socketio has Server and AsyncServer:
greenlets (Flask runtime) and asyncio tasks (Quart runtime). Under light load a batch is a
single message and costs one extra scheduler turn; under load one transaction carries many.
Only one batch runs at a time, which is also what SQLite's single writer wants.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from domain.model.errors import ChatError
from domain.model.messages import Message
from domain.usecases.deps import Deps, Outcome
from domain.usecases.send_message import SendCommand, send_messages

log = logging.getLogger("securechat.batching")

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 256

# A send's result: the committed message, the domain error that refused it, or None when
# the batch failed unexpectedly (logged; the caller answers with an internal error).
SendResult = Outcome[Message] | ChatError | None


def send_batch(deps: Deps, commands: Sequence[SendCommand]) -> list[SendResult]:
    """One batch of sends, socket or REST alike, in one transaction."""
    try:
        return list(send_messages(deps, commands))
    except Exception:
        log.exception("a batch of %d messages failed", len(commands))
        return [None] * len(commands)


class GeventBatcher(Generic[T, R]):
    """For greenlets: `submit` blocks the calling greenlet until its batch is done."""

    def __init__(self, run: Callable[[list[T]], list[R]], limit: int = MAX_BATCH) -> None:
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[T, Any]] = []
        self._worker: Any = None

    def submit(self, item: T) -> R:
        import gevent
        from gevent.event import AsyncResult

        slot = AsyncResult()
        self._waiting.append((item, slot))
        if self._worker is None:
            self._worker = gevent.spawn(self._drain)
        return slot.get()  # type: ignore[no-any-return]

    def _drain(self) -> None:
        import gevent

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


class AsyncBatcher(Generic[T, R]):
    """For asyncio: a batch runs in a worker thread; what arrives meanwhile forms the next."""

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
