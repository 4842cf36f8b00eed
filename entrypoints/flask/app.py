"""The sync runtime: Flask + Flask-SocketIO (gevent). Thin: parse, call common, emit."""

from __future__ import annotations

import functools
import logging
from typing import Any

from flask import Flask, Response, request
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError
from werkzeug.exceptions import HTTPException

from domain.usecases.send_message import SendCommand
from entrypoints.common.batching import GeventBatcher, SendResult, send_batch
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
from entrypoints.flask.edge import EdgeMiddleware

log = logging.getLogger("securechat.flask")


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(encode_json(body), status=status, headers={**JSON_HEADERS, **(headers or {})})


def create_app(
    settings: Settings | None = None, core: Core | None = None
) -> tuple[Flask, SocketIO]:
    settings = settings or Settings.from_env()
    core = core or build_core(settings, "gevent")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["securechat.core"] = core
    socketio = SocketIO(
        app,
        async_mode="gevent",
        cors_allowed_origins=decided_at_the_edge,  # EdgeMiddleware refuses foreign origins
        max_http_buffer_size=settings.max_request_bytes,
        logger=False,
        engineio_logger=False,
    )
    protocol = SocketProtocol(core.deps)

    def emit_all(emits: list[Emit]) -> None:
        for item in emits:
            socketio.server.emit(item.event, item.data, to=item.to)

    batcher: GeventBatcher[SendCommand, SendResult] = GeventBatcher(
        functools.partial(send_batch, core.deps)
    )

    def respond(route: Route, http_request: HttpRequest) -> HttpResponse:
        if route.view is not None:
            return handle(core.deps, route.view, http_request)
        assert route.command is not None and route.respond is not None
        prepared = prepare(core.deps, route.command, http_request)
        if isinstance(prepared, HttpResponse):
            return prepared
        return route.respond(batcher.submit(prepared))

    def make_view(route: Route) -> Any:
        def view(**params: str) -> Response:
            http_request = HttpRequest(
                method=request.method,
                path_params=params,
                query={k: request.args[k] for k in request.args},
                headers=request.headers,
                body=request.get_data(cache=False) if request.method == "POST" else b"",
            )
            response = respond(route, http_request)
            emit_all(emits_for(response.events))
            return _json(response.status, response.body, response.headers)

        view.__name__ = route.endpoint
        return view

    for route in ROUTES:
        app.add_url_rule(route.rule, route.endpoint, make_view(route), methods=[route.method])

    @app.before_request
    def preflight() -> Response | None:
        if request.method == "OPTIONS":
            headers = cors_headers(settings.cors_origins, request.headers.get("Origin"), True)
            return Response(status=204, headers=headers)
        return None

    @app.after_request
    def add_cors(response: Response) -> Response:
        if request.method != "OPTIONS":
            response.headers.update(
                cors_headers(settings.cors_origins, request.headers.get("Origin"), False)
            )
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status, body = render_http_status(error.code or 500)
        return _json(status, body)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> Response:
        log.exception("unhandled error")
        return _json(500, dict(INTERNAL))

    # Socket handlers go on python-socketio's server itself, not through Flask-SocketIO's
    # decorators: those push a Flask request context (URL matching, session) for every
    # event, which these handlers never use and which cost ~15% of a busy server's CPU.
    sio = socketio.server

    def apply(sid: str, result: SocketResult) -> dict[str, Any]:
        if result.enter:
            sio.enter_room(sid, result.enter)
        if result.exit:
            sio.leave_room(sid, result.exit)
        emit_all(result.emits)
        return result.ack

    def end_expired(sid: str) -> None:
        try:
            sio.disconnect(sid)  # runs on_disconnect: presence is updated
        finally:
            # Whatever became of the socket, its access ends here (a no-op when
            # on_disconnect has already run).
            emit_all(protocol.disconnect(sid))

    def sweep_expired() -> None:
        while True:  # never ends: one failure must not stop the sweeping
            sio.sleep(EXPIRY_SWEEP_S)
            for sid in protocol.expired():
                try:
                    end_expired(sid)
                except Exception:
                    log.exception("could not end an expired connection")

    sweeper: list[object] = []  # started with the first connection, on the server's hub

    @sio.on("connect")
    def on_connect(sid: str, _environ: object, auth: object = None) -> None:
        try:
            protocol.connect(sid, auth)
        except Refused as refused:
            raise ConnectionRefusedError(refused.body["error"], refused.body) from None
        if not sweeper:
            sweeper.append(sio.start_background_task(sweep_expired))

    @sio.on("disconnect")
    def on_disconnect(sid: str, *_reason: object) -> None:
        emit_all(protocol.disconnect(sid))

    @sio.on("join")
    def on_join(sid: str, data: object = None) -> dict[str, Any]:
        return apply(sid, protocol.join(sid, data))

    @sio.on("message")
    def on_message(sid: str, data: object = None) -> dict[str, Any]:
        command = protocol.parse_message(sid, data)
        if isinstance(command, SocketResult):
            return command.ack
        return apply(sid, protocol.result_for(batcher.submit(command)))

    @sio.on("leave")
    def on_leave(sid: str, data: object = None) -> dict[str, Any]:
        return apply(sid, protocol.leave(sid, data))

    app.wsgi_app = EdgeMiddleware(app.wsgi_app, EdgePolicy.from_settings(settings))  # type: ignore[method-assign]
    return app, socketio
