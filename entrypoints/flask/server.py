"""Serve the Flask runtime with gevent's WSGI server. gevent must be patched before import."""

from __future__ import annotations

import io
import signal
import socket
from collections.abc import Callable
from typing import Any

import gevent
from gevent.pywsgi import Input, WSGIHandler, WSGIServer

from entrypoints.common.bootstrap import Core
from entrypoints.common.settings import DEFAULTS, Settings
from entrypoints.flask.app import create_app
from entrypoints.flask.outbox import Outbox
from entrypoints.flask.request_head import BoundedHeadHandler

_JOIN_BODY_MAX = 64 * 1024


class WebSocketAwareHandler(WSGIHandler):  # type: ignore[misc]  # gevent is untyped
    """pywsgi handler that lets simple-websocket own an upgraded connection to its end, on
    this connection's own socket wrapped in an `Outbox`."""

    slow_client_timeout_s: float = DEFAULTS.slow_client_timeout_s  # serve() sets the setting
    rfile: Any  # pywsgi's buffered reader of the connection

    def __init__(self, sock: socket.socket, address: object, server: WSGIServer) -> None:
        # Small frames (acks, broadcasts) must not wait for Nagle + delayed ACK (~40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, address, server)

    def _write_with_headers(self, data: bytes) -> None:
        # pywsgi's own version sends the status line and headers, then the body: two system
        # calls and, with TCP_NODELAY, two packets. Our JSON bodies are small: one write.
        self.headers_sent = True
        self.finalize_headers()
        out = bytearray(b"HTTP/1.1 ")
        out += self.status
        out += b"\r\n"
        for header, value in self.response_headers:
            out += b"%s: %s\r\n" % (header, value)
        out += b"\r\n"
        if len(data) > _JOIN_BODY_MAX:
            self._sendall(out)
            self._write(data)
            return
        if data and self.response_use_chunked:
            out += b"%x\r\n%s\r\n" % (len(data), data)
        else:
            out += data
        self._sendall(out)

    def run_application(self) -> None:
        if self.environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            super().run_application()
            return
        # Closed once the application returns, not read as the next keep-alive request
        # (which would swallow the client's close frame).
        self.close_connection = True
        # An upgrade request has no body, and from here on simple-websocket reads the socket
        # itself: let go of the request's buffered reader (an 8 KiB buffer per connection,
        # kept for the WebSocket's whole life otherwise).
        rfile: Any = self.rfile
        self.rfile = io.BytesIO()
        self.wsgi_input = self.environ["wsgi.input"] = Input(self.rfile, 0)
        rfile.close()
        # simple-websocket's "gunicorn" mode takes this socket rather than duplicating it: one
        # file descriptor per WebSocket, not two; the Outbox sends one turn's frames at once.
        outbox = Outbox(self.socket, self.slow_client_timeout_s)
        self.environ["gunicorn.socket"] = outbox
        try:
            result = self.application(self.environ, self.start_response)
        except StopIteration:  # engine.io's signal that the WebSocket ran to its end
            return
        finally:
            outbox.finish()  # the close frame, before pywsgi closes the socket
        if self.status is not None:  # refused before the upgrade: an ordinary response
            self.result = result
            try:
                self.process_result()
            finally:
                self.result = None


def serve(
    settings: Settings, core: Core, listener: socket.socket, ready: Callable[[], None]
) -> None:
    app, _socketio = create_app(settings, core)
    handler = type(
        "Handler",
        (BoundedHeadHandler, WebSocketAwareHandler),
        {
            "slow_client_timeout_s": float(settings.slow_client_timeout_s),
            "max_head_bytes": settings.max_header_bytes,
            "max_header_count": settings.max_header_count,
        },
    )
    server = WSGIServer(listener, app, handler_class=handler, log=None, error_log="default")

    def stop(*_args: object) -> None:
        server.stop(timeout=5)

    # Before `ready`: a SIGTERM sent as soon as the ready line is read must stop cleanly.
    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    server.start()
    ready()
    server.serve_forever()
