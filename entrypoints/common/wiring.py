"""How a runtime registers both tables with its framework: the one `wire`, over what Flask
and Quart, and python-socketio's two servers, offer alike."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol

from entrypoints.common.routes import ROUTES


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

    # Read-only: a shell's methods are not settable attributes.
    @property
    def view(self) -> Callable[..., Any]: ...
    @property
    def preflight(self) -> Callable[..., Any]: ...
    @property
    def add_cors(self) -> Callable[..., Any]: ...
    @property
    def connect(self) -> Callable[..., Any]: ...
    @property
    def disconnect(self) -> Callable[..., Any]: ...
    @property
    def event(self) -> Callable[..., Any]: ...


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
