"""Bounds on live sockets: per identity, per address, and file descriptors kept in reserve.

A socket costs the server a file descriptor and tens of KiB, whoever holds it. Counted at the
Socket.IO connect (ServerBase.connect_steps, once the token is verified), released at its
disconnect; beyond a bound the connect is refused with `too_many_connections`. The process's
open files are watched too: when they come within `reserve` of its limit (RLIMIT_NOFILE), new
sockets are refused so that HTTP requests, the database and other clients still get one, and
the log says so once.

Used from one thread (the event loop, or gevent's hub), so it takes no lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

log = logging.getLogger("securechat.connections")

# Counting open files reads a directory of them: done at most this often, the sockets
# admitted in between counted on top of the last reading (each holds at least one).
FILES_PROBE_S = 0.1


class OpenFiles(Protocol):
    """The process's open file descriptors and how many it may have (adapters/system.py)."""

    def count(self) -> int: ...

    def limit(self) -> int: ...


class ConnectionCaps:
    def __init__(
        self,
        per_identity: int,
        per_address: int,
        reserve: int = 0,
        files: OpenFiles | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_identity = per_identity
        self.per_address = per_address
        self.reserve = reserve
        self._files = files if reserve > 0 else None
        self._clock = clock
        self._held: dict[str, tuple[str, str]] = {}  # sid -> (identity, address)
        self._identities: dict[str, int] = {}
        self._addresses: dict[str, int] = {}
        self._probed_at = -FILES_PROBE_S
        self._open = 0  # open files at the last probe, plus sockets admitted since
        self._warned = False

    def admit(self, sid: str, identity: str, address: str) -> str | None:
        """Count a new socket, or say why it is refused (nothing is then counted)."""
        if self._identities.get(identity, 0) >= self.per_identity:
            return f"this identity already holds {self.per_identity} connections"
        if address and self._addresses.get(address, 0) >= self.per_address:
            return f"this address already holds {self.per_address} connections"
        if self._files is not None and self._near_file_limit():
            return "the server is at its limit of connections; try again later"
        self._held[sid] = (identity, address)
        self._identities[identity] = self._identities.get(identity, 0) + 1
        if address:
            self._addresses[address] = self._addresses.get(address, 0) + 1
        self._open += 1
        return None

    def release(self, sid: str) -> None:
        """Forget a socket (its disconnect, or a connect that failed after `admit`)."""
        held = self._held.pop(sid, None)
        if held is None:
            return
        identity, address = held
        _drop(self._identities, identity)
        if address:
            _drop(self._addresses, address)

    def holds(self, sid: str) -> bool:
        """Whether this socket is counted."""
        return sid in self._held

    def held(self, identity: str = "", address: str = "") -> int:
        """Sockets counted for an identity, or an address."""
        if identity:
            return self._identities.get(identity, 0)
        return self._addresses.get(address, 0)

    def _near_file_limit(self) -> bool:
        assert self._files is not None
        now = self._clock()
        if now - self._probed_at >= FILES_PROBE_S:
            self._probed_at, self._open = now, self._files.count()
        limit = self._files.limit()
        near = self._open >= limit - self.reserve
        if near and not self._warned:
            self._warned = True
            log.warning(
                "%d of %d open files: new sockets are refused, %d kept for other clients",
                self._open,
                limit,
                self.reserve,
            )
        elif not near and self._warned and self._open < limit - 2 * self.reserve:
            self._warned = False  # well clear again: say so next time it comes near
            log.warning("%d of %d open files: sockets are admitted again", self._open, limit)
        return near


def _drop(counts: dict[str, int], key: str) -> None:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


class PendingHandshakes:
    """Engine.IO sessions with no Socket.IO connection: the sweep ends one not connected
    within `within_s` of being first seen (a refused connect's session included)."""

    # Each holds a descriptor like a socket does, and python-socketio waits for their connect
    # for ever: without this, the caps above are walked around by never connecting.
    def __init__(self, within_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.within_s = within_s
        self._clock = clock
        self._first_seen: dict[str, float] = {}

    def overdue(self, sessions: Iterable[str], connected: Callable[[str], bool]) -> list[str]:
        """The sessions to end now; forgets the ones gone or connected."""
        now = self._clock()
        seen: dict[str, float] = {}
        out: list[str] = []
        for eio_sid in sessions:
            if connected(eio_sid):
                continue
            first = seen[eio_sid] = self._first_seen.get(eio_sid, now)
            if now - first >= self.within_s:
                out.append(eio_sid)
        self._first_seen = seen
        return out
