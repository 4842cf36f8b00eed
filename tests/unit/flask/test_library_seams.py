"""The library internals the Flask runtime stands on (every one is a row of
entrypoints/flask/seams.py), each guard driven on its own against the real library; the
ones both runtimes share: tests/unit/common/test_library_seams.py.

When an upgrade moves one of them, the test names what moved instead of the guard silently
falling away: run this module against a new release before raising its bound."""

from __future__ import annotations

import functools
import inspect
import io
import json
import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import simple_websocket
import socketio
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.socket import Socket

from entrypoints.common import steps as step
from entrypoints.common.seams import LibraryMoved
from entrypoints.flask.outbox import Outbox
from entrypoints.flask.transport import (
    BoundedWebSocket,
    JsonRefusals,
    PromptDisconnect,
    ScreenedEngineIo,
)


def _source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


def test_simple_websocket_takes_a_message_bound_and_reads_the_handshake_from_environ() -> None:
    assert "max_message_size" in inspect.signature(simple_websocket.Server).parameters
    assert "kwargs" in _source(SimpleWebSocketWSGI.__init__)
    source = _source(simple_websocket.Server)
    assert "HTTP_" in source, (
        "simple-websocket no longer rebuilds the handshake from environ: removing "
        "Sec-WebSocket-Extensions would not turn permessage-deflate off"
    )


# -- entrypoints/flask/server.py: WebSocketAwareHandler over gevent's pywsgi -------------


def test_pywsgi_writes_the_head_through_what_the_handler_overrides() -> None:
    import gevent.pywsgi

    handler = gevent.pywsgi.WSGIHandler
    message = "gevent.pywsgi.WSGIHandler changed: see entrypoints/flask/server.py"
    assert "self._write_with_headers(data)" in _source(handler.write), message
    for name in ("finalize_headers", "_sendall", "_write", "run_application", "process_result"):
        assert callable(getattr(handler, name, None)), f"{message} ({name} is gone)"
    assert "self.response_use_chunked" in _source(handler.finalize_headers), message
    # simple-websocket takes the connection's own socket from this key ("gunicorn" mode).
    assert "'gunicorn.socket' in environ" in _source(simple_websocket.Server.__init__), message


# -- entrypoints/flask/transport.py: the named guards on one engine.io server ------------


def _recording_drive(calls: list[tuple[object, tuple[object, ...]]]) -> Callable[..., object]:
    def perform(effect: step.Effect) -> object:
        assert isinstance(effect, step.Io)
        calls.append((effect.fn, effect.args))
        return None

    return functools.partial(step.drive, perform=perform)


def test_bounded_websocket_is_what_this_engineio_server_builds_and_no_other() -> None:
    assert "self.server._async['websocket']" in _source(Socket._upgrade_websocket)
    sio = socketio.Server(async_mode="threading", max_http_buffer_size=1234)
    other = socketio.Server(async_mode="threading")
    BoundedWebSocket.install(sio.eio)
    built = sio.eio._async["websocket"]
    assert issubclass(built, BoundedWebSocket) and built.max_message_bytes == 1234
    assert not issubclass(other.eio._async["websocket"], BoundedWebSocket)
    ws = built(handler=None, server=sio.eio)
    assert ws.server_args["max_message_size"] == 1234
    ws.ws = SimpleNamespace(receive=lambda: b"\x00binary")  # SimpleWebSocketWSGI.wait reads it
    assert ws.wait() is None  # what engine.io reads as the client going away
    ws.ws = SimpleNamespace(receive=lambda: '42["message"]')
    assert ws.wait() == '42["message"]'


def test_the_screen_stands_in_front_of_python_socketio_dispatch() -> None:
    sio = socketio.Server(async_mode="threading")
    calls: list[tuple[object, tuple[object, ...]]] = []
    screen = ScreenedEngineIo(sio, _recording_drive(calls), frozenset({"message"}), print)
    assert screen.io.dispatch == sio._handle_eio_message
    assert screen.io.connect == sio._handle_eio_connect
    screen.install(sio.eio)
    assert sio.eio.handlers["message"] == screen.on_message
    assert sio.eio.handlers["connect"] == screen.on_connect
    sio.eio.handlers["message"]("s1", '2["nope",{}]')
    assert calls == []  # an unknown event without an ack: dropped before python-socketio
    sio.eio.handlers["message"]("s1", '2["message",{}]')
    assert calls == [(sio._handle_eio_message, ("s1", '2["message",{}]'))]


def test_the_screen_refuses_to_start_when_python_socketio_dispatches_elsewhere() -> None:
    sio = socketio.Server(async_mode="threading")
    sio.eio.on("message", lambda *_args: None)
    with pytest.raises(LibraryMoved, match="'message'"):
        ScreenedEngineIo(sio, _recording_drive([]), frozenset(), print)


def test_prompt_disconnect_closes_a_session_without_waiting_for_its_client() -> None:
    sio = socketio.Server(async_mode="threading")
    sock = Socket(sio.eio, "s1")
    sock.connected = True
    sio.eio.sockets["s1"] = sock
    PromptDisconnect(sio).install(sio.eio)
    sio.eio.disconnect("s1")  # engine.io's own would wait for the client to fetch its queue
    assert sock.closed
    assert not sock.queue.empty()  # its CLOSE packet, left for a client that never fetches it


def test_engineio_refusals_leave_in_our_json() -> None:
    sio = socketio.Server(async_mode="threading")
    environ = {
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": "EIO=4&transport=polling&sid=unknown",
        "PATH_INFO": "/socket.io/",
        "wsgi.input": io.BytesIO(),
    }
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None):
        started.append((status, headers))

    body = b"".join(JsonRefusals(sio.eio.handle_request)(environ, start_response))
    assert started[0][0] == "400 Bad Request"
    assert ("Content-Type", "application/json") in started[0][1]
    assert json.loads(body)["code"] == "bad_request"

    def trips(_environ: object, _start: object) -> list[bytes]:
        raise KeyError("a session being closed")

    started.clear()
    assert json.loads(b"".join(JsonRefusals(trips)(environ, start_response)))["code"]
    assert started[0][0].startswith("400")


def test_simple_websocket_uses_only_the_socket_calls_the_outbox_has() -> None:
    """server.py hands simple-websocket an Outbox as its socket ("gunicorn" mode)."""
    used = set(re.findall(r"self\.sock\.(\w+)", _source(simple_websocket.ws.Base)))
    used |= set(re.findall(r"self\.sock\.(\w+)", _source(simple_websocket.Server)))
    assert used and used <= {"send", "recv", "close", "fileno", "settimeout"}, used
    assert {name for name in used if not hasattr(Outbox, name)} <= {"settimeout"}
