"""Run slow CPU work (password hashing) on low-priority real threads.

argon2 releases the GIL, so on its own threads it never stalls an event loop or the gevent
hub; at nice 19 the kernel also gives the serving thread the core first whenever both are
runnable, so message delivery keeps its latency while hashes wait their turn.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from ports.passwords import PasswordHasher

T = TypeVar("T")

LOW_PRIORITY = 19
_state = threading.local()


def _lower_this_thread() -> None:
    # On Linux, setpriority(PRIO_PROCESS, 0) applies to the calling thread only.
    if not getattr(_state, "lowered", False):
        with contextlib.suppress(OSError):  # not permitted: run at normal priority
            os.setpriority(os.PRIO_PROCESS, 0, LOW_PRIORITY)
        _state.lowered = True


def _niced(fn: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        _lower_this_thread()
        return fn()

    return run


class ThreadRunner:
    """For thread-based callers (the Quart runtime's workers): block on a pooled thread."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="securechat-hash")

    def __call__(self, fn: Callable[[], T]) -> T:
        return self._pool.submit(_niced(fn)).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class GeventRunner:
    """For greenlets (the Flask runtime): wait cooperatively on gevent's real-thread pool."""

    def __init__(self, threads: int) -> None:
        from gevent.threadpool import ThreadPool

        self._pool = ThreadPool(threads)

    def __call__(self, fn: Callable[[], T]) -> T:
        result: T = self._pool.apply(_niced(fn))
        return result

    def close(self) -> None:
        self._pool.kill()


class Runner(Protocol):
    """How a caller waits for work on the hash threads (ThreadRunner or GeventRunner)."""

    def __call__(self, fn: Callable[[], T]) -> T: ...


class OffloadedHasher:
    """A PasswordHasher whose work runs through a runner."""

    def __init__(self, inner: PasswordHasher, run: Runner) -> None:
        self._inner = inner
        self._run = run

    def hash(self, password: str) -> str:
        return self._run(lambda: self._inner.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        return self._run(lambda: self._inner.verify(password_hash, password))
