"""One ordered, coalescing writer per WebSocket connection (gevent).

simple-websocket writes every frame with its own ``send`` system call. A broadcast to a room
queues one frame per recipient socket, and under load a socket's engine.io writer takes
several frames off its queue at once (one per message committed in the same batch), so most
of the Flask runtime's time went to one small ``send`` per frame. ``Outbox`` stands in for
the connection's socket: frames are appended in order and go out together in one
``writev`` when the writing greenlet yields to the hub.

All writes to the connection pass through here (data, pings, pongs, the close frame), so
they keep their order; while a slow peer's kernel buffer is full, a greenlet finishes the
write with ``sendall`` and later frames wait behind it. A peer that has not taken what was
queued for it within ``stall_limit_s`` while more keeps coming is cut off
(SECURECHAT_SLOW_CLIENT_TIMEOUT): one client that stops reading must not make the server
hold every later broadcast for it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time

import gevent

from entrypoints.common.settings import DEFAULTS

# writev takes at most IOV_MAX buffers per call (1024 on Linux).
_IOV_MAX = min(os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024, 1024)
_FINISH_TIMEOUT_S = 5.0


class Outbox:
    """The socket simple-websocket sees: ``send`` queues, the hub flushes once per turn."""

    __slots__ = ("_sock", "_out", "_scheduled", "_drainer", "_loop", "_stall_limit_s", "_since")

    def __init__(
        self, sock: socket.socket, stall_limit_s: float = DEFAULTS.slow_client_timeout_s
    ) -> None:
        self._sock = sock
        self._out: list[bytes] = []
        self._scheduled = False
        self._drainer: gevent.Greenlet | None = None
        self._loop = gevent.get_hub().loop
        self._stall_limit_s = stall_limit_s
        self._since = 0.0  # when the kernel last refused part of a write

    # -- the socket API simple-websocket uses ------------------------------------------

    def fileno(self) -> int:
        return self._sock.fileno()

    def recv(self, size: int) -> bytes:
        return self._sock.recv(size)

    def send(self, data: bytes) -> int:
        if data:
            self._out.append(data)
            if self._drainer is not None:
                if time.monotonic() - self._since > self._stall_limit_s:
                    self._cut_off()
            elif not self._scheduled:
                self._scheduled = True
                self._loop.run_callback(self._flush)
        return len(data)

    def close(self) -> None:
        self.finish()
        self._sock.close()

    # -- writing -----------------------------------------------------------------------

    def pending(self) -> int:
        """Bytes queued and not yet handed to the kernel."""
        return sum(map(len, self._out))

    def _flush(self) -> None:
        """Runs on the hub, so it must never block: what the kernel won't take now goes
        to a greenlet that may wait."""
        self._scheduled = False
        if self._drainer is not None or not self._out:
            return
        # Read the descriptor now, not when the flush was scheduled: once the socket is
        # closed its number may belong to another connection.
        fd = self._sock.fileno()
        if fd < 0:
            self._out.clear()
            return
        out = self._out
        try:
            sent = os.writev(fd, out[:_IOV_MAX])
        except BlockingIOError:
            sent = 0
        except OSError:  # the peer is gone; the reader sees it and ends the connection
            out.clear()
            return
        self._out = _drop_front(out, sent)
        if self._out:
            self._since = time.monotonic()
            self._drainer = gevent.spawn(self._drain)

    def _drain(self) -> None:
        try:
            while self._out:
                data = b"".join(self._out)
                self._out = []
                self._sock.sendall(data)
                self._since = time.monotonic()
        except OSError:
            self._out = []
        finally:
            self._drainer = None

    def _cut_off(self) -> None:
        """Drop what is queued and end the connection: the reader sees it and disconnects."""
        self._out = []
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        """Write out everything queued (bounded wait), e.g. the close frame before closing."""
        try:
            with gevent.Timeout(_FINISH_TIMEOUT_S):
                if self._drainer is not None:
                    self._drainer.join()
                if self._out and self._sock.fileno() >= 0:
                    self._drain()
        except (gevent.Timeout, OSError):
            self._out = []


def _drop_front(out: list[bytes], sent: int) -> list[bytes]:
    """What is left of `out` after its first `sent` bytes were written."""
    for index, chunk in enumerate(out):
        if sent < len(chunk):
            rest = out[index:]
            if sent:
                rest[0] = chunk[sent:]
            return rest
        sent -= len(chunk)
    return []
