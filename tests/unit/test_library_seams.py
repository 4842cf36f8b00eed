"""The library internals the transport guards rely on (entrypoints/*/transport.py).

Each seam is pinned by an upper bound in pyproject.toml; when an upgrade moves one of them,
the test below names what moved, instead of the guard silently falling away."""

from __future__ import annotations

import inspect

import engineio
import simple_websocket
import socketio
from engineio.async_drivers import asgi as engineio_asgi
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.async_socket import AsyncSocket
from engineio.socket import Socket


def _source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


def test_socketio_dispatches_engineio_messages_through_the_handler_table() -> None:
    for server in (socketio.Server(), socketio.AsyncServer()):
        assert server.eio.handlers["message"] == server._handle_eio_message, (
            "python-socketio no longer registers its packet dispatch as engine.io's "
            "'message' handler: socket_wire.screen would not be in front of it"
        )


def test_every_packet_for_a_client_goes_through_its_socket_send() -> None:
    assert "self.eio.send_packet" in _source(socketio.Server._send_eio_packet)
    assert "self.send_packet" in _source(engineio.Server.send)
    assert "self.send_packet" in _source(engineio.AsyncServer.send)
    for server in (engineio.Server, engineio.AsyncServer):
        assert "socket.send(pkt)" in _source(server.send_packet), (
            "engine.io no longer queues a packet through its socket's send: the polling "
            "backlog (transport.watch_backlog) would not see it"
        )
    assert "_send_eio_packet" in _source(socketio.Manager.emit)


def test_engineio_registers_a_session_before_its_connect_handler_runs() -> None:
    for server in (engineio.Server, engineio.AsyncServer):
        source = _source(server._handle_connect)
        assert source.index("self.sockets[sid] = s") < source.index("'connect', sid, environ")


def test_engineio_builds_its_websocket_from_the_per_server_async_table() -> None:
    assert "self.server._async['websocket']" in _source(Socket._upgrade_websocket)
    assert "self.server._async['websocket']" in _source(AsyncSocket._upgrade_websocket)
    assert "websocket" in engineio.Server(async_mode="threading")._async


def test_engineio_sockets_expose_what_the_backlog_reads() -> None:
    for cls in (Socket, AsyncSocket):
        params = inspect.signature(cls.close).parameters
        assert {"wait", "abort"} <= set(params), f"{cls.__name__}.close lost wait/abort"
    sock = Socket(engineio.Server(async_mode="threading"), "sid")
    assert sock.upgraded is False
    assert sock.queue.empty() and sock.queue.qsize() == 0


def test_the_async_socket_close_does_not_wake_its_writer() -> None:
    """quart/transport.end_session puts the None itself; if engine.io starts doing it, the
    extra None is harmless, but this test says the workaround can go."""
    assert "queue.put(None)" not in _source(AsyncSocket.close)


def test_simple_websocket_takes_a_message_bound_and_reads_the_handshake_from_environ() -> None:
    assert "max_message_size" in inspect.signature(simple_websocket.Server).parameters
    assert "kwargs" in _source(SimpleWebSocketWSGI.__init__)
    source = _source(simple_websocket.Server)
    assert "HTTP_" in source, (
        "simple-websocket no longer rebuilds the handshake from environ: removing "
        "Sec-WebSocket-Extensions would not turn permessage-deflate off"
    )


def test_the_asgi_websocket_wrapper_reads_messages_in_wait() -> None:
    assert inspect.iscoroutinefunction(engineio_asgi.WebSocket.wait)
    assert "websocket.receive" in _source(engineio_asgi.WebSocket.wait)


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


# -- entrypoints/quart/outbox.py: uvicorn's protocols write through self.transport -------


def test_uvicorn_protocols_write_through_the_transport_attribute() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    message = "uvicorn's protocols changed: see entrypoints/quart/outbox.py"
    assert "self.transport = transport" in _source(HttpToolsProtocol.connection_made), message
    assert "self.transport = transport" in _source(WebSocketsSansIOProtocol.connection_made), (
        message
    )
    for cls in (HttpToolsProtocol, WebSocketsSansIOProtocol):
        assert "self.transport.write" in _source(cls), f"{message} ({cls.__name__})"
    for name in ("pause_writing", "resume_writing", "connection_lost"):
        assert callable(getattr(WebSocketsSansIOProtocol, name, None)), f"{message} ({name})"


# -- entrypoints/quart/manager.py: InlineAsyncManager over python-socketio ---------------


def test_the_async_manager_emit_keeps_its_signature_and_helpers() -> None:
    message = "python-socketio's AsyncManager changed: see entrypoints/quart/manager.py"
    params = inspect.signature(socketio.AsyncManager.emit).parameters
    expected = ["self", "event", "data", "namespace", "room", "skip_sid", "callback", "to"]
    assert list(params)[: len(expected)] == expected, message
    assert callable(socketio.AsyncManager.get_participants), message
    assert hasattr(socketio.AsyncManager(), "rooms"), message
    assert inspect.iscoroutinefunction(engineio.AsyncServer.send_packet), message
    assert "packet_class" in _source(socketio.async_server.AsyncServer.__init__) or hasattr(
        socketio.AsyncServer(), "packet_class"
    ), message
