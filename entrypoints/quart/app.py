"""The async runtime: Quart + python-socketio AsyncServer on ASGI. Wiring only: the route
and event tables are entrypoints/common's, the handlers QuartShell's (shell.py)."""

from __future__ import annotations

import socketio
from quart import Quart
from werkzeug.exceptions import HTTPException

from entrypoints.common.bootstrap import Core, build_core
from entrypoints.common.relay import pubsub_channel
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.socket_api import EVENTS
from entrypoints.common.wiring import wire
from entrypoints.quart.edge import EdgeMiddleware
from entrypoints.quart.hot_path import HotPathMiddleware
from entrypoints.quart.manager import ClusterAsyncManager, InlineAsyncManager
from entrypoints.quart.shell import QuartShell
from entrypoints.quart.transport import install


def create_app(settings: Settings | None = None, core: Core | None = None) -> EdgeMiddleware:
    """The ASGI application: Socket.IO at /socket.io, everything else to Quart."""
    settings = settings or Settings.from_env()
    core = core or build_core(settings)
    base = ServerBase(settings, core)
    app = Quart(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["securechat.core"] = core
    manager: InlineAsyncManager = InlineAsyncManager()
    if settings.redis_url:  # one chat across processes (docs/scaling.md)

        async def relayed(payload: object) -> None:
            await shell.drive(base.relayed_steps(payload))

        manager = ClusterAsyncManager(settings.redis_url, pubsub_channel(settings), relayed)
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, **base.socketio_options())
    shell = QuartShell(base, sio)

    wire(app, sio, shell)
    app.register_error_handler(HTTPException, shell.http_error)
    app.register_error_handler(Exception, shell.unhandled)
    install(sio, shell.drive, EVENTS, base.backlog)
    hot = HotPathMiddleware(socketio.ASGIApp(sio, other_asgi_app=app), shell)  # REST posts
    return EdgeMiddleware(hot, base.edge)
