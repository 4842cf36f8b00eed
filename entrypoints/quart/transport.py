"""The Quart runtime's guards on engine.io and python-socketio (see common/socket_wire.py).

The async twin of entrypoints/flask/transport.py: the decisions are common's; only the
waiting differs. uvicorn bounds WebSocket messages (ws_max_size) and negotiates no
compression (server.py); here are the screen in front of Socket.IO's packet dispatch, a
prompt disconnect, our JSON for engine.io's refusals and the polling backlog's accounting,
each a named class. The library attributes they stand on: seams.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from engineio.async_drivers.asgi import WebSocket

from entrypoints.common import engineio_guards as guards
from entrypoints.common import socket_wire as wire
from entrypoints.common.seams import build_websockets_with, require_socketio_handlers
from entrypoints.common.steps import Steps

log = logging.getLogger("securechat.transport")

Send = Callable[[dict[str, Any]], Awaitable[None]]


class ScreenedWebSocket(WebSocket):  # type: ignore[misc]  # untyped library
    """engine.io's ASGI WebSocket wrapper, refusing messages engine.io would choke on."""

    async def wait(self) -> Any:
        data = await super().wait()
        if not wire.engineio_message_ok(data):
            log.warning("closing a WebSocket that sent a message engine.io does not take")
            raise OSError("not an engine.io message")  # engine.io ends the connection
        return data

    @classmethod
    def install(cls, eio: Any) -> None:
        """Make `eio`, and only it, build this class."""
        build_websockets_with(eio, cls)


class ScreenedEngineIo(guards.ScreenBase):
    """engine.io's `message` and `connect` handlers: common's screen in front of
    python-socketio's own, and the backlog's accounting on each new polling session."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        drive: Callable[[Steps[Any]], Awaitable[Any]],
        events: frozenset[str],
        watch: Callable[[Any], None],
    ) -> None:
        require_socketio_handlers(sio)
        super().__init__(sio.eio, drive, events, watch, functools.partial(end_session, sio))

    async def on_message(self, eio_sid: str, data: str | bytes) -> None:
        await self.drive(self.message(eio_sid, data))

    async def on_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        return await self.drive(self.connect(eio_sid, environ))


class PromptDisconnect(guards.PromptDisconnectBase):
    """engine.io's `disconnect`, ending a session at once."""

    async def __call__(self, sid: str | None = None) -> None:
        if sid is None:
            await self.close_all()
        else:
            await end_session(self.sio, sid)


class JsonRefusals(guards.JsonRefusalsBase):
    """engine.io's `handle_request`, its refusals in our JSON."""

    async def __call__(self, scope: Any, receive: Any, send: Send) -> Any:
        state = {"started": False, "refused": False}

        async def tracked(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind == "http.response.start" and message["status"] >= 400:
                code, body = wire.engineio_refusal(message["status"])
                state["refused"] = True
                headers = wire.refusal_headers(_text(message["headers"]))
                await send(_http_start(code, [*headers, ("Content-Length", str(len(body)))]))
                await send({"type": "http.response.body", "body": body})
                return
            if state["refused"]:
                return  # engine.io's own body: ours has gone instead
            if kind == "websocket.close" and not state["started"]:
                await _refuse_websocket(scope, send, 400)  # what Flask answers the same request
                return
            state["started"] = state["started"] or kind in (
                "websocket.accept",
                "http.response.start",
            )
            await send(message)

        try:
            return await self.handle_request(scope, receive, tracked)
        except Exception as error:  # engine.io tripping over a session it is closing
            log.warning("engine.io could not handle a request (%s)", type(error).__name__)
            if state["started"] or state["refused"]:
                return None
            if scope.get("type") == "http":
                code, body = wire.engineio_refusal(400)
                headers = [*wire.REFUSAL_HEADERS, ("Content-Length", str(len(body)))]
                await send(_http_start(code, headers))
                await send({"type": "http.response.body", "body": body})
            else:
                await _refuse_websocket(scope, send, 400)
            return None


class BacklogWatch(guards.BacklogWatchBase):
    """A long-polling session's `send`, past the backlog's accounting."""

    async def __call__(self, pkt: Any) -> None:
        if self.admits(pkt):
            await self.send(pkt)


GUARDS = guards.Guards(
    ScreenedWebSocket, ScreenedEngineIo, PromptDisconnect, JsonRefusals, BacklogWatch
)


def install(
    sio: socketio.AsyncServer,
    drive: Callable[[Steps[Any]], Awaitable[Any]],
    events: frozenset[str],
    backlog: wire.PollingBacklog,
) -> None:
    """Every guard on `sio`'s own engine.io server; `drive` performs common's steps."""
    GUARDS.install(sio, drive, events, backlog)


def _text(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]


def _http_start(status: int, headers: list[tuple[str, str]]) -> dict[str, Any]:
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    return {"type": "http.response.start", "status": status, "headers": encoded}


async def _refuse_websocket(scope: Any, send: Send, status: int) -> None:
    """Refuse a WebSocket handshake with our JSON (uvicorn's denial-response extension),
    or, on a server without it, close it (a bare 403)."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close"})
        return
    code, body = wire.engineio_refusal(status)
    start = _http_start(code, [*wire.REFUSAL_HEADERS, ("Content-Length", str(len(body)))])
    await send({**start, "type": "websocket.http.response.start"})
    await send({"type": "websocket.http.response.body", "body": body})


async def end_session(sio: socketio.AsyncServer, eio_sid: str) -> None:
    """End an Engine.IO session now, without waiting for its client to fetch anything;
    engine.io forgets a closed session itself (its next request, or its service task)."""
    sock = sio.eio.sockets.get(eio_sid)
    if sock is not None:
        await sock.close(wait=False)  # runs the disconnect handlers; queues a CLOSE packet
        # Wake its writer (a WebSocket's, or a pending poll), which then ends the
        # connection: the sync Socket.close does this itself, the async one does not.
        await sock.queue.put(None)
