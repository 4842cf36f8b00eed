"""Serve the Flask runtime with gevent's WSGI server. gevent must be patched before import."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable

from gevent.pywsgi import WSGIServer

from entrypoints.common.bootstrap import Core
from entrypoints.common.settings import Settings
from entrypoints.flask.app import create_app


def serve(settings: Settings, core: Core, listener: socket.socket, ready: Callable[[], None]) -> None:
    app, _socketio = create_app(settings, core)
    server = WSGIServer(listener, app, log=None, error_log="default")
    server.start()
    ready()

    def stop(*_args: object) -> None:
        server.stop(timeout=5)

    import gevent

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    server.serve_forever()
