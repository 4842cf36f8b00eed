"""The Flask runtime's guards on engine.io and python-socketio (see common/socket_wire.py).

Each guard is a named class installed on the server's own objects, never on the libraries'
classes: a bounded WebSocket without compression, the screen in front of Socket.IO's packet
dispatch, a prompt disconnect, our JSON for engine.io's refusals, and the polling backlog's
accounting. The library attributes they stand on: seams.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import socketio
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from entrypoints.common import engineio_guards as guards
from entrypoints.common import socket_wire as wire
from entrypoints.common.seams import build_websockets_with, require_socketio_handlers
from entrypoints.common.settings import DEFAULTS
from entrypoints.common.steps import Steps

log = logging.getLogger("securechat.transport")

StartResponse = Callable[..., Any]


class BoundedWebSocket(SimpleWebSocketWSGI):  # type: ignore[misc]  # untyped library
    """engine.io's simple-websocket wrapper with a message bound and no permessage-deflate."""

    max_message_bytes = DEFAULTS.max_request_bytes  # install() sets the server's own bound

    def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
        super().__init__(handler, server, max_message_size=self.max_message_bytes, **kwargs)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # simple-websocket offers to compress whenever the client asks, and inflates without
        # bound: without the client's offer in the request nothing is negotiated.
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return super().__call__(environ, start_response)

    def wait(self) -> Any:
        data = super().wait()
        if data is not None and not wire.engineio_message_ok(data):
            log.warning("closing a WebSocket that sent a message engine.io does not take")
            return None  # engine.io reads this as the client going away
        return data

    @classmethod
    def install(cls, eio: Any) -> None:
        """Make `eio`, and only it, build this class, bounded by its own buffer size."""
        bounded = type("BoundedWebSocket", (cls,), {"max_message_bytes": eio.max_http_buffer_size})
        build_websockets_with(eio, bounded)


class ScreenedEngineIo(guards.ScreenBase):
    """engine.io's `message` and `connect` handlers: common's screen in front of
    python-socketio's own, and the backlog's accounting on each new polling session."""

    def __init__(
        self,
        sio: socketio.Server,
        drive: Callable[[Steps[Any]], Any],
        events: frozenset[str],
        watch: Callable[[Any], None],
    ) -> None:
        require_socketio_handlers(sio)
        super().__init__(sio.eio, drive, events, watch, functools.partial(end_session, sio))

    def on_message(self, eio_sid: str, data: str | bytes) -> None:
        self.drive(self.message(eio_sid, data))

    def on_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        return self.drive(self.connect(eio_sid, environ))


class PromptDisconnect(guards.PromptDisconnectBase):
    """engine.io's `disconnect`, ending a session at once."""

    def __call__(self, sid: str | None = None) -> None:
        if sid is None:
            self.close_all()
        else:
            end_session(self.sio, sid)


class JsonRefusals(guards.JsonRefusalsBase):
    """engine.io's `handle_request`, its refusals in our JSON."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refused: list[bytes] = []

        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            if status[:1] != "4":
                return start_response(status, headers, exc_info)
            code, body = wire.engineio_refusal(int(status[:3]))
            refused.append(body)
            return start_response(
                f"{code} {HTTPStatus(code).phrase}", wire.refusal_headers(headers)
            )

        try:
            result = self.handle_request(environ, start)
        except StopIteration:  # how a WebSocket ends in gunicorn mode: server.py's to handle
            raise
        except Exception as error:  # engine.io tripping over a session it is closing
            log.warning("engine.io could not handle a request (%s)", type(error).__name__)
            code, body = wire.engineio_refusal(400)
            start_response(f"{code} Bad Request", list(wire.REFUSAL_HEADERS))
            return [body]
        return refused if refused else result


class BacklogWatch(guards.BacklogWatchBase):
    """A long-polling session's `send`, past the backlog's accounting."""

    def __call__(self, pkt: Any) -> None:
        if self.admits(pkt):
            self.send(pkt)


GUARDS = guards.Guards(
    BoundedWebSocket, ScreenedEngineIo, PromptDisconnect, JsonRefusals, BacklogWatch
)


def install(
    sio: socketio.Server,
    drive: Callable[[Steps[Any]], Any],
    events: frozenset[str],
    backlog: wire.PollingBacklog,
) -> None:
    """Every guard on `sio`'s own engine.io server; `drive` performs common's steps."""
    GUARDS.install(sio, drive, events, backlog)


def end_session(sio: socketio.Server, eio_sid: str) -> None:
    """End an Engine.IO session now, without waiting for its client to fetch anything;
    engine.io forgets a closed session itself (its next request, or its service task)."""
    sock = sio.eio.sockets.get(eio_sid)
    if sock is not None:
        sock.close(wait=False)  # runs the disconnect handlers; queues a CLOSE packet
