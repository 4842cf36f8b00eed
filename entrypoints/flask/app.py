"""The sync runtime: Flask + Flask-SocketIO on gevent. Wiring only: the route and event
tables are entrypoints/common's, the handlers FlaskShell's (shell.py)."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException

from entrypoints.common.bootstrap import Core, build_core
from entrypoints.common.relay import pubsub_channel
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.socket_api import EVENTS
from entrypoints.common.wiring import wire
from entrypoints.flask.edge import EdgeMiddleware
from entrypoints.flask.hot_path import HotPathMiddleware
from entrypoints.flask.manager import ClusterManager
from entrypoints.flask.shell import FlaskShell
from entrypoints.flask.transport import install


def create_app(
    settings: Settings | None = None, core: Core | None = None
) -> tuple[Flask, SocketIO]:
    settings = settings or Settings.from_env()
    core = core or build_core(settings, "gevent")
    base = ServerBase(settings, core)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["securechat.core"] = core
    options = base.socketio_options()
    if settings.redis_url:  # one chat across processes (docs/scaling.md)

        def relayed(payload: object) -> None:
            shell.drive(base.relayed_steps(payload))

        channel = pubsub_channel(settings)
        options["client_manager"] = ClusterManager(settings.redis_url, channel, relayed)
    socketio = SocketIO(app, async_mode="gevent", **options)
    shell = FlaskShell(base, socketio.server)

    # Socket handlers go on python-socketio's server itself, not through Flask-SocketIO's
    # decorators: those push a Flask request context (URL matching, session) for every
    # event, which these handlers never use and which cost ~15% of a busy server's CPU.
    sio = socketio.server
    wire(app, sio, shell)
    app.register_error_handler(HTTPException, shell.http_error)
    app.register_error_handler(Exception, shell.unhandled)
    install(sio, shell.drive, EVENTS, base.backlog)
    hot = HotPathMiddleware(app.wsgi_app, shell)  # REST posts in front of Flask
    app.wsgi_app = EdgeMiddleware(hot, base.edge)  # type: ignore[method-assign]  # Flask's documented way to add WSGI middleware
    return app, socketio
