"""Where a route or socket event runs, so that no kind of work takes another's turn.

On the Flask runtime everything runs in its greenlet (blocking calls yield to the hub, and
argon2 waits cooperatively on its own threads). On the Quart runtime the lane picks the
thread: the event loop must never block, and password work must never occupy the workers
that serve token holders (eight guessers once held all four and stalled every read).
"""

from __future__ import annotations

from enum import StrEnum


class Lane(StrEnum):
    INLINE = "inline"  # cheap and in memory (parsing, a cached token check): on the loop
    WORKER = "worker"  # reads or writes storage: a core worker thread
    PASSWORD = "password"  # argon2: a password thread  # noqa: S105 - not a secret
