"""The library internals only the Quart runtime relies on (entrypoints/quart/transport.py,
outbox.py, manager.py); the ones both runtimes share: tests/unit/common/.

Each seam is pinned by an upper bound in pyproject.toml; when an upgrade moves one of them,
the test below names what moved, instead of the guard silently falling away."""

from __future__ import annotations

import inspect

import engineio
import socketio
from engineio.async_drivers import asgi as engineio_asgi
from engineio.async_socket import AsyncSocket


def _source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


def test_the_async_socket_close_does_not_wake_its_writer() -> None:
    """quart/transport.end_session puts the None itself; if engine.io starts doing it, the
    extra None is harmless, but this test says the workaround can go."""
    assert "queue.put(None)" not in _source(AsyncSocket.close)


def test_the_asgi_websocket_wrapper_reads_messages_in_wait() -> None:
    assert inspect.iscoroutinefunction(engineio_asgi.WebSocket.wait)
    assert "websocket.receive" in _source(engineio_asgi.WebSocket.wait)


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
