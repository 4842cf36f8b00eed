"""The Flask runtime's pywsgi handler: one write per small response, lean WebSockets."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import gevent
import gevent.socket
import pytest
from gevent.pywsgi import WSGIServer

from entrypoints.flask.outbox import Outbox
from entrypoints.flask.server import WebSocketAwareHandler


def _app(body: bytes, length: bool) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = [("Content-Type", "application/json")]
        if length:
            headers.append(("Content-Length", str(len(body))))
        start_response("201 CREATED", headers)
        # A one-item list gets a Content-Length from pywsgi; a generator is sent chunked.
        return [body] if length else iter([body])

    return app


def _exchange(
    app: Callable[..., Iterable[bytes]], done: Callable[[bytes], bool]
) -> tuple[list[bytes], bytes]:
    """One keep-alive request; read until `done` says the response is complete."""
    writes: list[bytes] = []

    class Recording(WebSocketAwareHandler):
        def _sendall(self, data: bytes) -> None:
            writes.append(bytes(data))
            super()._sendall(data)

    server = WSGIServer(("127.0.0.1", 0), app, handler_class=Recording, log=None)
    server.start()
    try:
        client = gevent.socket.create_connection(("127.0.0.1", server.server_port))
        client.sendall(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        received = b""
        with gevent.Timeout(10):
            while not done(received):
                received += client.recv(1 << 16)
        client.close()
    finally:
        server.stop()
    return writes, received


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
def test_a_small_response_is_one_write(length: bool) -> None:
    body = b'{"message_id": "0192"}'
    if length:
        writes, received = _exchange(_app(body, True), lambda got: got.endswith(body))
    else:
        writes, received = _exchange(_app(body, False), lambda got: got.endswith(b"0\r\n\r\n"))
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 CREATED\r\n")
    if length:
        assert rest == body
        assert writes == [received]
    else:
        assert rest == b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        assert writes[0] == received[: -len(b"0\r\n\r\n")]  # head and body, then the end


def test_a_large_body_still_arrives_whole() -> None:
    body = b"x" * (200 * 1024)
    writes, received = _exchange(_app(body, True), lambda got: got.endswith(body))
    assert received.partition(b"\r\n\r\n")[2] == body
    assert len(writes) == 2  # not copied into the head


def test_a_websocket_does_not_keep_the_requests_read_buffer() -> None:
    seen: list[object] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # What the WebSocket lives with: no buffered reader over the socket any more.
        seen.append(environ["wsgi.input"].rfile)
        seen.append(environ["gunicorn.socket"])
        raise StopIteration  # engine.io's way of saying the WebSocket has ended

    server = WSGIServer(("127.0.0.1", 0), app, handler_class=WebSocketAwareHandler, log=None)
    server.start()
    try:
        client = gevent.socket.create_connection(("127.0.0.1", server.server_port))
        client.sendall(
            b"GET /socket.io/ HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\n\r\n"
        )
        with gevent.Timeout(10):
            assert client.recv(1) == b""  # the server ends the connection with the app
        client.close()
    finally:
        server.stop()
    rfile, sock = seen
    assert isinstance(rfile, io.BytesIO) and rfile.read() == b""
    assert isinstance(sock, Outbox)
