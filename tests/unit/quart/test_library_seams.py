"""The library internals the Quart runtime stands on (every one is a row of
entrypoints/quart/seams.py), each guard driven on its own against the real library; the
ones both runtimes share: tests/unit/common/test_library_seams.py.

When an upgrade moves one of them, the test names what moved instead of the guard silently
falling away: run this module against a new release before raising its bound."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import signal
from collections.abc import Callable

import engineio
import pytest
import socketio
from engineio import packet as eio_packet
from engineio.async_drivers import asgi as engineio_asgi
from engineio.async_socket import AsyncSocket

from entrypoints.common import steps as step
from entrypoints.common.seams import LibraryMoved
from entrypoints.quart.manager import InlineAsyncManager
from entrypoints.quart.server import UvicornServer
from entrypoints.quart.transport import (
    JsonRefusals,
    PromptDisconnect,
    ScreenedEngineIo,
    ScreenedWebSocket,
)


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


# -- entrypoints/quart/transport.py: the named guards on one engine.io server ------------


def _recording_drive(calls: list[tuple[object, tuple[object, ...]]]) -> Callable[..., object]:
    async def perform(effect: step.Effect) -> object:
        assert isinstance(effect, step.Io)
        calls.append((effect.fn, effect.args))
        return None

    return functools.partial(step.drive_async, perform=perform)


def test_screened_websocket_is_what_this_engineio_server_builds_and_no_other() -> None:
    assert "self.server._async['websocket']" in _source(AsyncSocket._upgrade_websocket)
    sio, other = socketio.AsyncServer(async_mode="asgi"), socketio.AsyncServer(async_mode="asgi")
    ScreenedWebSocket.install(sio.eio)
    assert sio.eio._async["websocket"] is ScreenedWebSocket
    assert other.eio._async["websocket"] is engineio_asgi.WebSocket
    ws = ScreenedWebSocket(None, sio.eio)
    messages = iter(
        [
            {"type": "websocket.receive", "text": '42["message"]'},
            {"type": "websocket.receive", "bytes": b"\x00binary"},
        ]
    )

    async def receive() -> dict[str, object]:
        return next(messages)

    ws.asgi_receive = receive  # what engine.io's ASGI WebSocket.wait reads from
    assert asyncio.run(ws.wait()) == '42["message"]'
    with pytest.raises(OSError, match="not an engine.io message"):  # engine.io ends it
        asyncio.run(ws.wait())


def test_the_screen_stands_in_front_of_python_socketio_dispatch() -> None:
    sio = socketio.AsyncServer(async_mode="asgi")
    calls: list[tuple[object, tuple[object, ...]]] = []
    screen = ScreenedEngineIo(sio, _recording_drive(calls), frozenset({"message"}), print)
    assert screen.io.dispatch == sio._handle_eio_message
    assert screen.io.connect == sio._handle_eio_connect
    screen.install(sio.eio)
    assert sio.eio.handlers["message"] == screen.on_message
    assert sio.eio.handlers["connect"] == screen.on_connect
    # engine.io awaits a handler only if it is a coroutine function (AsyncServer._trigger_event)
    assert "inspect.iscoroutinefunction(self.handlers[event])" in _source(
        engineio.AsyncServer._trigger_event
    )
    assert inspect.iscoroutinefunction(sio.eio.handlers["message"])
    assert inspect.iscoroutinefunction(sio.eio.handlers["connect"])
    asyncio.run(sio.eio.handlers["message"]("s1", '2["nope",{}]'))
    assert calls == []  # an unknown event without an ack: dropped before python-socketio
    asyncio.run(sio.eio.handlers["message"]("s1", '2["message",{}]'))
    assert calls == [(sio._handle_eio_message, ("s1", '2["message",{}]'))]


def test_the_screen_refuses_to_start_when_python_socketio_dispatches_elsewhere() -> None:
    sio = socketio.AsyncServer(async_mode="asgi")
    sio.eio.on("connect", lambda *_args: None)
    with pytest.raises(LibraryMoved, match="'connect'"):
        ScreenedEngineIo(sio, _recording_drive([]), frozenset(), print)


def test_prompt_disconnect_closes_a_session_and_wakes_its_writer() -> None:
    async def scenario() -> AsyncSocket:
        sio = socketio.AsyncServer(async_mode="asgi")
        sock = AsyncSocket(sio.eio, "s1")
        sock.connected = True
        sio.eio.sockets["s1"] = sock
        PromptDisconnect(sio).install(sio.eio)
        await sio.eio.disconnect("s1")  # engine.io's own waits for the client's fetch
        return sock

    sock = asyncio.run(scenario())
    assert sock.closed
    packets = [sock.queue.get_nowait() for _ in range(sock.queue.qsize())]
    assert packets[-1] is None  # what wakes its writer, which then ends the connection


def test_engineio_refusals_leave_in_our_json() -> None:
    sio = socketio.AsyncServer(async_mode="asgi")
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/socket.io/",
        "query_string": b"EIO=4&transport=polling&sid=unknown",
        "headers": [],
    }
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(JsonRefusals(sio.eio.handle_request)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 400
    assert (b"content-type", b"application/json") in sent[0]["headers"]  # type: ignore[operator]
    assert json.loads(sent[1]["body"])["code"] == "bad_request"  # type: ignore[arg-type]


# -- entrypoints/quart/server.py: UvicornServer over uvicorn.Server ----------------------


def test_uvicorn_reraises_only_the_signals_handle_exit_captured() -> None:
    """UvicornServer clears uvicorn's `_captured_signals` so a requested shutdown exits 0."""
    import uvicorn

    assert "self._captured_signals.append(sig)" in _source(uvicorn.Server.handle_exit)
    assert "self._captured_signals" in _source(uvicorn.Server.capture_signals)
    server = UvicornServer(uvicorn.Config(app=None), ready=print, threads=1)
    server.handle_exit(signal.SIGTERM, None)
    assert server.should_exit and server._captured_signals == []


def test_the_inline_manager_sends_what_python_socketios_own_manager_sends() -> None:
    """The same broadcast through socketio.AsyncManager and InlineAsyncManager reaches
    engine.io's send_packet with the same packets for the same recipients."""

    async def broadcast(manager: socketio.AsyncManager) -> list[tuple[str, int, object]]:
        sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager)
        sent: list[tuple[str, int, object]] = []

        async def send_packet(eio_sid: str, pkt: eio_packet.Packet) -> None:
            sent.append((eio_sid, pkt.packet_type, pkt.data))

        sio.eio.send_packet = send_packet
        sids = [await manager.connect(f"e{n}", "/") for n in range(3)]
        for sid in sids:
            await manager.enter_room(sid, "/", "room")
        await sio.emit("message", {"text": "hi", "n": (1, 2)}, to="room", skip_sid=sids[1])
        await sio.emit("typing", ("a", "b"), to="room")
        await asyncio.sleep(0)  # the stock manager's send tasks
        return sorted(sent, key=repr)

    ours, theirs = (
        asyncio.run(broadcast(cls())) for cls in (InlineAsyncManager, socketio.AsyncManager)
    )
    assert ours == theirs and len(ours) == 5
