"""What both runtimes' servers are, without I/O (python-socketio's base_server, ours).

`ServerBase` holds the protocol state and every decision a runtime shell needs: the answer
to a route or a socket event, CORS, the rendering of framework errors, who the expiry sweep
ends. A shell (entrypoints/flask/shell.py, entrypoints/quart/shell.py) only does the I/O:
it reads its framework's request, runs what the table names in the entry's lane (the
gevent hub, or a thread for Quart), waits on its batcher, writes, and emits after commit.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from domain.usecases.send_message import SendCommand
from entrypoints.common import http_api
from entrypoints.common.batching import SendResult, send_batch
from entrypoints.common.bootstrap import Core
from entrypoints.common.cors import cors_headers
from entrypoints.common.edge import EdgePolicy, decided_at_the_edge
from entrypoints.common.errors import INTERNAL, TransportCode, render_http_status
from entrypoints.common.http_api import ROUTES, Answer, HttpRequest, HttpResponse, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.quiet_log import transport_logger
from entrypoints.common.settings import Settings
from entrypoints.common.shapes import JSON_HEADERS, encode_json
from entrypoints.common.socket_api import (
    EVENTS_BY_NAME,
    SocketProtocol,
    SocketResult,
    Step,
)
from entrypoints.common.socket_events import Emit
from entrypoints.common.socket_wire import PollingBacklog, refusal

log = logging.getLogger("securechat.server")

# A bodyless answer to a CORS preflight: status and headers.
Preflight = tuple[int, dict[str, str]]


class ServerBase:
    def __init__(self, settings: Settings, core: Core) -> None:
        self.settings = settings
        self.core = core
        self.deps = core.deps
        self.protocol = SocketProtocol(core.deps)
        self.edge = EdgePolicy.from_settings(settings)
        self.backlog = PollingBacklog(
            settings.slow_client_timeout_s, settings.max_queued_bytes, time.monotonic
        )

    def socketio_options(self) -> dict[str, Any]:
        """The options both runtimes give their Socket.IO server."""
        return {
            # The edge middleware refuses foreign origins first, the same way on both
            # runtimes; engine.io's own check would answer differently on each.
            "cors_allowed_origins": decided_at_the_edge,
            "max_http_buffer_size": self.settings.max_request_bytes,
            "logger": transport_logger(),
            "engineio_logger": transport_logger(),
        }

    def send_batch(self, commands: Sequence[SendCommand]) -> list[SendResult]:
        return send_batch(self.deps, commands)

    # -- HTTP ------------------------------------------------------------------------------

    def answer(self, route: Route, request: HttpRequest) -> Answer:
        return http_api.answer(self.deps, route, request)

    def encode(self, response: HttpResponse) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers to write."""
        if isinstance(response.body, bytes):  # the docs page: it names its own type
            return response.status, response.body, dict(response.headers)
        return response.status, encode_json(response.body), {**JSON_HEADERS, **response.headers}

    def preflight(self, method: str, headers: Mapping[str, str]) -> Preflight | None:
        """The answer to a CORS preflight, or None for every other request."""
        if method != "OPTIONS":
            return None
        return 204, cors_headers(self.settings.cors_origins, headers.get("Origin"), True)

    def cors(self, method: str, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers granting a configured cross origin on a response (none on a preflight's,
        which has its own)."""
        if method == "OPTIONS":
            return {}
        return cors_headers(self.settings.cors_origins, headers.get("Origin"), False)

    def http_error(self, status: int, headers: Mapping[str, str] | None = None) -> HttpResponse:
        """A framework-raised HTTP error (routing, body limit) in our error shape; of the
        framework's headers only `Allow` (a 405 names the methods the endpoint takes)."""
        code, body = render_http_status(status)
        response = HttpResponse(code, body)
        if code == 405 and headers and "Allow" in headers:
            response.headers["Allow"] = headers["Allow"]
        return response

    def unhandled(self, error: BaseException) -> HttpResponse:
        log.error("unhandled error", exc_info=error)
        return HttpResponse(500, dict(INTERNAL))

    # -- Socket.IO -------------------------------------------------------------------------

    def connect(self, sid: str, auth: object) -> None:
        """Admit a connection, or raise socket_api.Refused."""
        self.protocol.connect(sid, auth)

    def event(self, name: str, sid: str, args: tuple[object, ...]) -> Step:
        """The answer to an event of the table (socket_wire.screen lets no other through)."""
        event = EVENTS_BY_NAME.get(name)
        if event is None:
            return SocketResult(refusal(TransportCode.INVALID_EVENT, "there is no such event"))
        return self.protocol.run(event, sid, args)

    def lane(self, name: str) -> Lane:
        event = EVENTS_BY_NAME.get(name)
        return Lane.INLINE if event is None else event.lane

    def may_enter(self, sid: str, result: SocketResult) -> str | None:
        """The Socket.IO room to enter for `result`, if the connection is still in it."""
        if result.enter and self.protocol.in_channel(sid, result.enter):
            return result.enter
        return None

    def disconnect(self, sid: str) -> list[Emit]:
        return self.protocol.disconnect(sid)

    def expired(self) -> list[str]:
        """Connections the sweep ends now: their token has expired."""
        return self.protocol.expired()


class WebApp(Protocol):
    """What Flask and Quart both offer for wiring (Quart keeps Flask's API)."""

    def add_url_rule(
        self, rule: str, endpoint: str, view_func: Callable[..., Any], *, methods: list[str]
    ) -> None: ...

    def before_request(self, f: Callable[..., Any]) -> Any: ...

    def after_request(self, f: Callable[..., Any]) -> Any: ...


class EventServer(Protocol):
    """What python-socketio's Server and AsyncServer both offer for wiring."""

    def on(self, event: str, handler: Callable[..., Any]) -> Any: ...


class Shell(Protocol):
    """A runtime's handlers (FlaskShell, QuartShell), sync or async alike."""

    view: Callable[..., Any]
    preflight: Callable[..., Any]
    add_cors: Callable[..., Any]
    connect: Callable[..., Any]
    disconnect: Callable[..., Any]
    event: Callable[..., Any]


def wire(app: WebApp, sio: EventServer, shell: Shell) -> None:
    """Register both tables, in a loop, with a runtime's handlers: every route of `ROUTES`,
    and every event of `SOCKET_EVENTS` through one catch-all (the screen admits no other)."""
    for route in ROUTES:
        view = functools.partial(shell.view, route)
        app.add_url_rule(route.rule, route.endpoint, view, methods=[route.method])
    app.before_request(shell.preflight)
    app.after_request(shell.add_cors)
    sio.on("connect", shell.connect)
    sio.on("disconnect", shell.disconnect)
    sio.on("*", shell.event)
