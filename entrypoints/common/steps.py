"""Sans-io steps: what runtime-neutral code asks a runtime shell to do, one effect at a time.

`ServerBase` writes each handler once, as a generator that yields effects (run this in that
lane, wait for the batcher, emit, enter a Socket.IO room, sleep, disconnect) and receives
their results. A runtime shell only performs effects, with its own sync or async I/O
(entrypoints/flask/shell.py, entrypoints/quart/shell.py): the order of things, the error
handling and every decision live here, so a change to a handler is made once.

A failed effect's exception is raised inside the generator at the `yield` that asked for
it, exactly as if the handler had made the call itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple, cast

from domain.usecases.send_message import SendCommand
from entrypoints.common.lanes import Lane
from entrypoints.common.socket_events import Emit

T = TypeVar("T")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True, slots=True)
class Call(Generic[R]):
    """`fn(*args)` in `lane`: inline, on a core worker, or on a password thread. Ask for it
    with `call`, which types the result."""

    lane: Lane
    fn: Callable[..., R]
    args: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Io(Generic[R]):
    """`fn(*args)`, one of the runtime's own I/O functions (engine.io's send or dispatch):
    called in its greenlet on Flask, awaited on Quart. Ask for it with `io_call`."""

    fn: Callable[..., R | Awaitable[R]]
    args: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Submit:
    """A send for the runtime's batcher; the result is its `SendResult`."""

    command: SendCommand


@dataclass(frozen=True, slots=True)
class Enter:
    """Put connection `sid` in Socket.IO room `room`."""

    sid: str
    room: str


@dataclass(frozen=True, slots=True)
class Leave:
    sid: str
    room: str


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Disconnect:
    """End Socket.IO connection `sid` (its disconnect handler runs)."""

    sid: str


@dataclass(frozen=True, slots=True)
class EndSession:
    """End Engine.IO session `eio_sid` now, without waiting for its client."""

    eio_sid: str


@dataclass(frozen=True, slots=True)
class StartSweep:
    """Start the once-a-second sweep (`ServerBase.sweep_steps`) in the background."""


__all__ = ["Call", "Disconnect", "Effect", "Emit", "EndSession", "Enter", "Io", "Leave", "Sleep"]
__all__ += ["StartSweep", "Stepper", "Steps", "Submit", "call", "drive", "drive_async", "io_call"]

Effect = (
    Call[Any]
    | Io[Any]
    | Submit
    | Emit
    | Enter
    | Leave
    | Sleep
    | Disconnect
    | EndSession
    | StartSweep
)
Steps = Generator[Effect, Any, T]


def call(lane: Lane, fn: Callable[[*Ts], R], *args: *Ts) -> Steps[R]:
    """`x = yield from call(lane, fn, a, b)`: `fn(a, b)` performed in `lane`, its result
    typed as `fn`'s (a bare `yield Call(...)` would give Any)."""
    return cast(R, (yield Call(lane, fn, tuple(args))))


def io_call(fn: Callable[[*Ts], R | Awaitable[R]], *args: *Ts) -> Steps[R]:
    """`x = yield from io_call(fn, a)`: one of the runtime's own I/O functions, typed."""
    return cast(R, (yield Io(fn, tuple(args))))


class Stepper(Generic[T]):
    """Walks one generator of steps for a driver: `next` gives the step to perform, after the
    driver set `value` or `error` to the last one's outcome; unhandled errors propagate."""

    __slots__ = ("_steps", "value", "error", "_result")

    def __init__(self, steps: Steps[T]) -> None:
        self._steps = steps
        self.value: Any = None  # the last effect's result, sent in at the next step
        self.error: Exception | None = None  # or its exception, raised in there instead
        self._result: T | None = None

    @property
    def result(self) -> T:
        """What the generator returned (once `next` has given None)."""
        return cast(T, self._result)

    def next(self) -> Effect | None:
        """The next effect to perform, or None once the generator has returned (`result`)."""
        try:
            if self.error is None:
                return self._steps.send(self.value)
            error, self.error = self.error, None
            return self._steps.throw(error)
        except StopIteration as stop:
            self._result = stop.value
            return None


def drive(steps: Steps[T], perform: Callable[[Effect], Any]) -> T:
    """Perform `steps` to the end with a blocking `perform` (Flask's greenlets, tests)."""
    stepper = Stepper(steps)
    while (effect := stepper.next()) is not None:
        try:
            stepper.value = perform(effect)
        except Exception as error:
            stepper.error = error
    return stepper.result


async def drive_async(steps: Steps[T], perform: Callable[[Effect], Awaitable[Any]]) -> T:
    """Perform `steps` to the end, awaiting each step (Quart's event loop)."""
    stepper = Stepper(steps)
    while (effect := stepper.next()) is not None:
        try:
            stepper.value = await perform(effect)
        except Exception as error:
            stepper.error = error
    return stepper.result
