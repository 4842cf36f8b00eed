"""One coalescing writer per connection (uvicorn, asyncio).

uvicorn writes each WebSocket frame to its transport as it is sent, one system call per
frame, and an HTTP response's head and body in two. A broadcast to a room hands one frame
to every recipient's engine.io writer task, and under load each writer has several frames
ready at once (one per message committed in the same batch). The protocols here give
uvicorn's HTTP and WebSocket protocols a transport whose writes queue up and go out
together once per turn of the event loop; a connection upgraded to a WebSocket keeps the
one it had.

Every write of the connection passes through it (data, pings, pongs, the close frame), so
order holds; asyncio's own transport still does the buffering and flow control. A WebSocket
whose peer keeps the transport paused (its buffer over the high-water mark) for
``slow_client_timeout_s`` is aborted (SECURECHAT_SLOW_CLIENT_TIMEOUT): while it is paused,
engine.io queues every broadcast for it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from entrypoints.common.settings import DEFAULTS


class CoalescingTransport:
    """Stands in for a transport: ``write`` queues, one ``write`` per loop turn flushes."""

    __slots__ = ("_transport", "_loop", "_out", "_scheduled")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._out: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._out.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def pending(self) -> int:
        """Bytes queued and not yet handed to the transport."""
        return sum(map(len, self._out))

    def flush(self) -> None:
        self._scheduled = False
        if not self._out:
            return
        out, self._out = self._out, []
        if self._transport.is_closing():
            return
        self._transport.write(out[0] if len(out) == 1 else b"".join(out))

    def close(self) -> None:
        self.flush()  # the close frame goes out before the transport closes
        self._transport.close()

    def abort(self) -> None:
        self._out = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        # is_closing, pause_reading, resume_reading, get_extra_info, ...
        return getattr(self._transport, name)


def _coalescing(transport: asyncio.BaseTransport) -> CoalescingTransport:
    if isinstance(transport, CoalescingTransport):  # an upgraded HTTP connection's own
        return transport
    return CoalescingTransport(transport, asyncio.get_running_loop())  # type: ignore[arg-type]  # a stream transport: uvicorn only serves TCP


class CoalescingHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol: a response's head and body leave in one write."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn narrows the transport type itself
        super().connection_made(transport)  # flow control stays on the real transport
        self.transport = _coalescing(transport)  # type: ignore[assignment]  # stands in for the transport it wraps


class CoalescingWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websockets protocol, writing through a ``CoalescingTransport``."""

    slow_client_timeout_s: float = DEFAULTS.slow_client_timeout_s  # serve() sets the setting
    _stalled: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = _coalescing(transport)  # type: ignore[assignment]  # stands in for the transport it wraps

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stalled is None:
            self._stalled = asyncio.get_running_loop().call_later(
                self.slow_client_timeout_s, self._cut_off
            )

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None
        super().connection_lost(exc)

    def _cut_off(self) -> None:
        self._stalled = None
        self.transport.abort()  # connection_lost follows: engine.io sees the disconnect


def websocket_protocol(slow_client_timeout_s: float) -> type[CoalescingWebSocketProtocol]:
    """The WebSocket protocol class uvicorn should build, with this server's settings."""
    return type(
        "WebSocketProtocol",
        (CoalescingWebSocketProtocol,),
        {"slow_client_timeout_s": slow_client_timeout_s},
    )
