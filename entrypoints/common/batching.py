"""Group commit for sends, runtime-neutral: what a batch does and what each send gets back.

The sends that arrive together (socket or REST) go out in one transaction. How callers wait
for their batch is each runtime's (entrypoints/flask/batching.py: greenlets;
entrypoints/quart/batching.py: asyncio tasks, the batch in a worker thread); what a batch
does is `send_batch`, written once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.model.errors import ChatError, Unavailable
from domain.model.messages import Message
from domain.usecases.deps import Deps, Outcome
from domain.usecases.send_message import SendCommand, send_messages

log = logging.getLogger("securechat.batching")

MAX_BATCH = 256

# A send's result: the committed message, the domain error that refused it, or None when
# the batch failed unexpectedly (logged; the caller answers with an internal error).
SendResult = Outcome[Message] | ChatError | None

R = TypeVar("R")
T = TypeVar("T")
W = TypeVar("W")  # how a runtime's caller waits: a gevent AsyncResult, an asyncio Future

__all__ = ["MAX_BATCH", "BatchQueue", "Batched", "SendCommand", "SendResult", "send_batch"]


def send_batch(deps: Deps, commands: Sequence[SendCommand]) -> list[SendResult]:
    """One batch of sends, socket or REST alike, in one transaction."""
    try:
        return list(send_messages(deps, commands))
    except Unavailable as error:  # logged once per outage where it was noticed
        return [error] * len(commands)
    except Exception:
        log.exception("a batch of %d messages failed", len(commands))
        return [None] * len(commands)


@dataclass(frozen=True, slots=True)
class Batched(Generic[R]):
    """A send for the runtime's batcher, and how its result becomes the answer (an HTTP
    response or a socket ack): what a route or socket event returns instead of answering."""

    command: SendCommand
    respond: Callable[[SendResult], R]


class BatchQueue(Generic[T, R, W]):
    """What both runtimes' batchers share: the waiting callers, the batch bound and function;
    each adds how callers wait and its one worker runs (flask/ and quart/batching.py)."""

    # The split python-socketio's base_manager makes for its managers.
    def __init__(self, run: Callable[[list[T]], list[R]], limit: int = MAX_BATCH) -> None:
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[T, W]] = []

    def _take(self) -> tuple[list[T], list[W]]:
        """The next batch: up to `limit` of the waiting items, and their waiters."""
        batch = self._waiting[: self._limit]
        del self._waiting[: self._limit]
        return [item for item, _ in batch], [waiter for _, waiter in batch]
