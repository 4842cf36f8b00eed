"""The async runtime: Quart + python-socketio AsyncServer on ASGI.

The core is sync: every call into it runs in a worker thread (asyncio.to_thread), so the
event loop never blocks; emits happen back on the loop, after the commit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import socketio
from quart import Quart, Response, request
from werkzeug.exceptions import HTTPException

from domain.usecases.send_message import SendCommand
from entrypoints.common.batching import AsyncBatcher, SendResult, send_batch
from entrypoints.common.bootstrap import Core, build_core
from entrypoints.common.cors import cors_headers
from entrypoints.common.edge import EdgePolicy, decided_at_the_edge
from entrypoints.common.errors import INTERNAL, render_http_status
from entrypoints.common.http_api import (
    JSON_HEADERS,
    ROUTES,
    HttpRequest,
    HttpResponse,
    Route,
    encode_json,
    handle,
    prepare,
)
from entrypoints.common.settings import Settings
from entrypoints.common.socket_api import (
    EXPIRY_SWEEP_S,
    Refused,
    SocketProtocol,
    SocketResult,
)
from entrypoints.common.socket_events import Emit, emits_for
from entrypoints.quart.edge import EdgeMiddleware
from entrypoints.quart.manager import InlineAsyncManager

log = logging.getLogger("securechat.quart")


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(encode_json(body), status=status, headers={**JSON_HEADERS, **(headers or {})})


def create_app(settings: Settings | None = None, core: Core | None = None) -> EdgeMiddleware:
    """The ASGI application: Socket.IO at /socket.io, everything else to Quart."""
    settings = settings or Settings.from_env()
    core = core or build_core(settings)
    app = Quart(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["securechat.core"] = core
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=InlineAsyncManager(),
        cors_allowed_origins=decided_at_the_edge,  # EdgeMiddleware refuses foreign origins
        max_http_buffer_size=settings.max_request_bytes,
        logger=False,
        engineio_logger=False,
    )
    protocol = SocketProtocol(core.deps)

    async def emit_all(emits: list[Emit]) -> None:
        for item in emits:
            await sio.emit(item.event, item.data, to=item.to)

    batcher: AsyncBatcher[SendCommand, SendResult] = AsyncBatcher(
        functools.partial(send_batch, core.deps)
    )

    async def respond(route: Route, http_request: HttpRequest) -> HttpResponse:
        if route.view is not None:
            return await asyncio.to_thread(handle, core.deps, route.view, http_request)
        assert route.command is not None and route.respond is not None
        # Parsing is bounded (body limit) and in memory; the send runs in a worker thread.
        prepared = prepare(core.deps, route.command, http_request)
        if isinstance(prepared, HttpResponse):
            return prepared
        return route.respond(await batcher.submit(prepared))

    def make_view(route: Route) -> Any:
        async def view(**params: str) -> Response:
            body = await request.get_data(cache=False) if request.method == "POST" else b""
            http_request = HttpRequest(
                method=request.method,
                path_params=params,
                query={k: request.args[k] for k in request.args},
                headers=request.headers,
                body=body,  # type: ignore[arg-type]
            )
            response = await respond(route, http_request)
            await emit_all(emits_for(response.events))
            return _json(response.status, response.body, response.headers)

        view.__name__ = route.endpoint
        return view

    for route in ROUTES:
        app.add_url_rule(route.rule, route.endpoint, make_view(route), methods=[route.method])

    @app.before_request
    async def preflight() -> Response | None:
        if request.method == "OPTIONS":
            headers = cors_headers(settings.cors_origins, request.headers.get("Origin"), True)
            return Response("", status=204, headers=headers)
        return None

    @app.after_request
    async def add_cors(response: Response) -> Response:
        if request.method != "OPTIONS":
            response.headers.update(
                cors_headers(settings.cors_origins, request.headers.get("Origin"), False)
            )
        return response

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        status, body = render_http_status(error.code or 500)
        return _json(status, body)

    @app.errorhandler(Exception)
    async def unhandled(error: Exception) -> Response:
        log.exception("unhandled error")
        return _json(500, dict(INTERNAL))

    async def apply(sid: str, result: SocketResult) -> dict[str, Any]:
        if result.enter:
            await sio.enter_room(sid, result.enter)
        if result.exit:
            await sio.leave_room(sid, result.exit)
        await emit_all(result.emits)
        return result.ack

    async def end_expired(sid: str) -> None:
        try:
            await sio.disconnect(sid)  # runs disconnect: presence is updated
        finally:
            # Whatever became of the socket, its access ends here (a no-op when
            # disconnect has already run).
            await emit_all(await asyncio.to_thread(protocol.disconnect, sid))

    async def sweep_expired() -> None:
        while True:  # never ends: one failure must not stop the sweeping
            await sio.sleep(EXPIRY_SWEEP_S)
            for sid in protocol.expired():  # in memory: cheap enough for the loop
                try:
                    await end_expired(sid)
                except Exception:
                    log.exception("could not end an expired connection")

    sweeper: list[object] = []  # started with the first connection, on the server's loop

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> None:
        try:
            await asyncio.to_thread(protocol.connect, sid, auth)
        except Refused as refused:
            raise socketio.exceptions.ConnectionRefusedError(
                refused.body["error"], refused.body
            ) from None
        if not sweeper:
            sweeper.append(sio.start_background_task(sweep_expired))

    @sio.event
    async def disconnect(sid: str, *_args: object) -> None:
        await emit_all(await asyncio.to_thread(protocol.disconnect, sid))

    @sio.on("join")
    async def on_join(sid: str, data: object = None) -> dict[str, Any]:
        return await apply(sid, await asyncio.to_thread(protocol.join, sid, data))

    @sio.on("message")
    async def on_message(sid: str, data: object = None) -> dict[str, Any]:
        # Parsing is a few dict lookups on the loop; the send runs in a worker thread.
        command = protocol.parse_message(sid, data)
        if isinstance(command, SocketResult):
            return command.ack
        return await apply(sid, protocol.result_for(await batcher.submit(command)))

    @sio.on("leave")
    async def on_leave(sid: str, data: object = None) -> dict[str, Any]:
        return await apply(sid, await asyncio.to_thread(protocol.leave, sid, data))

    return EdgeMiddleware(
        socketio.ASGIApp(sio, other_asgi_app=app), EdgePolicy.from_settings(settings)
    )
