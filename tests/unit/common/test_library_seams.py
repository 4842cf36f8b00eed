"""The library internals the transport guards rely on (entrypoints/*/transport.py), in both
runtimes alike; what only one runtime relies on is in tests/unit/{flask,quart}/.

Every seam is a row of entrypoints/{flask,quart}/seams.py, with an upper bound in
pyproject.toml; when an upgrade moves one, the test below names what moved, instead of the
guard silently falling away."""

from __future__ import annotations

import asyncio
import inspect

import engineio
import socketio
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
            "backlog (transport.BacklogWatch) would not see it"
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


def test_socketio_managers_say_which_engineio_sessions_made_a_connection() -> None:
    # The shells' `connected` (the sweep ends a session that never connects) asks this.
    for server in (socketio.Server(), socketio.AsyncServer()):
        manager = server.manager
        manager.set_server(server)
        assert manager.sid_from_eio_sid("nobody", "/") is None
        # What python-socketio's _handle_connect does before the connect handler runs.
        sid = manager.pre_connect("eio1", "/")
        if inspect.iscoroutine(sid):
            sid = asyncio.run(sid)
        assert manager.sid_from_eio_sid("eio1", "/") == sid
