"""The Flask runtime's guards on engine.io and python-socketio (see common/socket_wire.py).

Installed on the server's own objects, never on the libraries' classes: a bounded WebSocket
without compression, a screen in front of Socket.IO's packet dispatch, and the polling
backlog's accounting on every packet queued for a client. The seams they rely on are
checked by tests/unit/flask/test_library_seams.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import socketio
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from entrypoints.common import socket_wire as wire
from entrypoints.common.steps import Steps

log = logging.getLogger("securechat.transport")


class BoundedWebSocket(SimpleWebSocketWSGI):  # type: ignore[misc]  # untyped library
    """engine.io's simple-websocket wrapper with a message bound and no permessage-deflate.

    simple-websocket always offers to compress when the client asks, and inflates without
    bound; without the client's offer in the request, nothing is negotiated, and a
    compressed frame is a protocol error that closes the connection."""

    max_message_bytes = 64 * 1024

    def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
        super().__init__(handler, server, max_message_size=self.max_message_bytes, **kwargs)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return super().__call__(environ, start_response)

    def wait(self) -> Any:
        data = super().wait()
        if data is not None and not wire.engineio_message_ok(data):
            log.warning("closing a WebSocket that sent a message engine.io does not take")
            return None  # engine.io reads this as the client going away
        return data


def install(
    sio: socketio.Server,
    drive: Callable[[Steps[Any]], Any],
    events: frozenset[str],
    backlog: wire.PollingBacklog,
) -> None:
    """The guards on `sio`'s own engine.io objects; `drive` performs common's steps
    (FlaskShell.drive)."""
    eio = sio.eio
    eio._async = {
        **eio._async,
        "websocket": type(
            "BoundedWebSocket", (BoundedWebSocket,), {"max_message_bytes": eio.max_http_buffer_size}
        ),
    }
    io = wire.EngineIo.of(eio, end=functools.partial(end_session, sio))
    watch = functools.partial(watch_backlog, backlog=backlog)

    def on_message(eio_sid: str, data: str | bytes) -> None:
        drive(wire.message_steps(io, events, eio_sid, data))

    def on_connect(eio_sid: str, environ: dict[str, Any]) -> Any:
        return drive(wire.connect_steps(io, eio.sockets, watch, eio_sid, environ))

    eio.on("message", on_message)
    eio.on("connect", on_connect)
    close_all = eio.disconnect

    def disconnect(sid: str | None = None) -> None:
        # engine.io's own waits until the client has fetched its queue: a polling client
        # that sent a bad packet and never polls again would hold that request forever.
        if sid is None:
            close_all()
        else:
            end_session(sio, sid)

    eio.disconnect = disconnect
    handle_request = eio.handle_request

    def guarded_request(environ: dict[str, Any], start_response: Any) -> Any:
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
            result = handle_request(environ, start)
        except StopIteration:  # how a WebSocket ends in gunicorn mode: server.py's to handle
            raise
        except Exception as error:  # engine.io tripping over a session it is closing
            log.warning("engine.io could not handle a request (%s)", type(error).__name__)
            code, body = wire.engineio_refusal(400)
            start_response(f"{code} Bad Request", list(wire.REFUSAL_HEADERS))
            return [body]
        return refused if refused else result

    eio.handle_request = guarded_request


def watch_backlog(sock: Any, backlog: wire.PollingBacklog) -> None:
    """Account for every packet queued for a long-polling session (only those pay for it:
    a WebSocket's writer has its own bound, outbox.py)."""
    send = sock.send

    def send_watched(pkt: Any) -> None:
        if wire.backlog_admits(backlog, sock, pkt.data):
            send(pkt)

    sock.send = send_watched


def end_session(sio: socketio.Server, eio_sid: str) -> None:
    """End an Engine.IO session now, without waiting for its client to fetch anything
    (engine.io's own ``disconnect`` waits for a polling client's queue to drain). engine.io
    forgets a closed session itself (its next request, or its service task)."""
    sock = sio.eio.sockets.get(eio_sid)
    if sock is not None:
        sock.close(wait=False)  # runs the disconnect handlers; queues a CLOSE packet
