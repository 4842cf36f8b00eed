"""The Quart runtime's guards on engine.io and python-socketio (see common/socket_wire.py).

The async twin of entrypoints/flask/transport.py: the decisions are common's; only the
waiting differs. uvicorn bounds WebSocket messages (ws_max_size) and negotiates no
compression (server.py); here are the screen in front of Socket.IO's packet dispatch and
the polling backlog's accounting. The seams are checked by tests/unit/test_library_seams.py.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from engineio.async_drivers.asgi import WebSocket

from entrypoints.common.socket_wire import (
    SESSION_ERROR_BODY,
    SESSION_ERROR_HEADERS,
    SESSION_ERROR_STATUS,
    Action,
    PollingBacklog,
    engineio_message_ok,
    is_polling,
    screen,
)

log = logging.getLogger("securechat.transport")


class ScreenedWebSocket(WebSocket):  # type: ignore[misc]  # untyped library
    """engine.io's ASGI WebSocket wrapper, refusing messages engine.io would choke on."""

    async def wait(self) -> Any:
        data = await super().wait()
        if not engineio_message_ok(data):
            log.warning("closing a WebSocket that sent a message engine.io does not take")
            raise OSError("not an engine.io message")  # engine.io ends the connection
        return data


def install(sio: socketio.AsyncServer, events: frozenset[str], backlog: PollingBacklog) -> None:
    eio = sio.eio
    eio._async = {**eio._async, "websocket": ScreenedWebSocket}
    dispatch = eio.handlers["message"]

    async def on_message(eio_sid: str, data: str | bytes) -> None:
        verdict = screen(data, events)
        if verdict.reply is not None:
            await eio.send(eio_sid, verdict.reply)
        if verdict.reason is not None:
            log.warning("refused a Socket.IO packet: %s", verdict.reason)
        if verdict.action is Action.CLOSE:
            await end_session(sio, eio_sid)
        if verdict.action is not Action.PASS:
            return
        try:
            await dispatch(eio_sid, data)
        except Exception as error:  # a packet python-socketio could not decode
            log.warning("closing a connection after a malformed packet (%s)", type(error).__name__)
            await end_session(sio, eio_sid)

    eio.on("message", on_message)
    eio_connect = eio.handlers["connect"]

    async def on_connect(eio_sid: str, environ: dict[str, Any]) -> Any:
        accepted = await eio_connect(eio_sid, environ)
        sock = eio.sockets.get(eio_sid)
        if sock is not None and is_polling(environ.get("QUERY_STRING", "")):
            watch_backlog(sock, backlog)
        return accepted

    eio.on("connect", on_connect)
    close_all = eio.disconnect

    async def disconnect(sid: str | None = None) -> None:
        # engine.io's own waits until the client has fetched its queue: a polling client
        # that sent a bad packet and never polls again would hold that request forever.
        if sid is None:
            await close_all()
        else:
            await end_session(sio, sid)

    eio.disconnect = disconnect
    handle_request = eio.handle_request

    async def guarded_request(scope: Any, receive: Any, send: Any) -> Any:
        started: list[bool] = []

        async def tracked(message: dict[str, Any]) -> None:
            started.append(True)
            await send(message)

        try:
            return await handle_request(scope, receive, tracked)
        except Exception as error:  # engine.io tripping over a session it is closing
            log.warning("engine.io could not handle a request (%s)", type(error).__name__)
            if started or scope.get("type") != "http":
                return None
            headers = [(k.lower().encode(), v.encode()) for k, v in SESSION_ERROR_HEADERS]
            await send(
                {"type": "http.response.start", "status": SESSION_ERROR_STATUS, "headers": headers}
            )
            await send({"type": "http.response.body", "body": SESSION_ERROR_BODY})
            return None

    eio.handle_request = guarded_request


def watch_backlog(sock: Any, backlog: PollingBacklog) -> None:
    """Account for every packet queued for a long-polling session (only those pay for it:
    a WebSocket's writer has its own bound, outbox.py)."""
    send = sock.send

    async def send_watched(pkt: Any) -> None:
        if not sock.upgraded:
            size = len(pkt.data) if isinstance(pkt.data, str | bytes) else 64
            if not backlog.admit(sock.sid, size, sock.queue.empty()):
                return  # this session is over its backlog: the sweep ends it
        await send(pkt)

    sock.send = send_watched


async def sweep_polling(sio: socketio.AsyncServer, backlog: PollingBacklog) -> None:
    """Disconnect polling sessions that stopped fetching (once a second, from the sweep)."""
    eio = sio.eio
    sockets = list(eio.sockets.items())
    polling = [(s, sock.queue.qsize()) for s, sock in sockets if not (sock.upgraded or sock.closed)]
    for eio_sid in backlog.overdue(polling):
        log.warning("cut off a long-polling client that stopped fetching")
        await end_session(sio, eio_sid)


async def end_session(sio: socketio.AsyncServer, eio_sid: str) -> None:
    """End an Engine.IO session now, without waiting for its client to fetch anything.
    engine.io forgets a closed session itself (its next request, or its service task)."""
    sock = sio.eio.sockets.get(eio_sid)
    if sock is not None:
        await sock.close(wait=False)  # runs the disconnect handlers; queues a CLOSE packet
        # Wake its writer (a WebSocket's, or a pending poll), which then ends the
        # connection: the sync Socket.close does this itself, the async one does not.
        await sock.queue.put(None)
