"""Where a runtime stands on a library's internals: one row per seam, listed in each
runtime's seams.py (entrypoints/flask/seams.py, entrypoints/quart/seams.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Seam:
    """`ours` (a class or function) relies on `theirs` (dotted library attributes); `test`
    (path::name) fails when one of them moves."""

    ours: object
    theirs: tuple[str, ...]
    test: str


class LibraryMoved(RuntimeError):
    """A seam's library no longer has what the seam stands on: refuse to start unguarded."""


def require(condition: bool, what: str) -> None:
    """Fail at startup, naming the library attribute, when a seam's footing is gone."""
    if not condition:
        raise LibraryMoved(f"{what} is not where this server expects it: see its seams.py")


def build_websockets_with(eio: Any, cls: type) -> None:
    """Make engine.io server `eio`, and only it, build `cls` for its WebSockets. engine.io has
    no public hook for this: its per-server `_async` table is the seam."""
    table: dict[str, Any] = getattr(eio, "_async", None) or {}
    require("websocket" in table, "engineio's per-server _async['websocket']")
    eio._async = {**table, "websocket": cls}


def require_socketio_handlers(sio: Any) -> None:
    """python-socketio's packet dispatch and connect are engine.io's `message` and `connect`
    handlers: what the screen (socket_wire.EngineIo) stands in front of."""
    for event, handler in (
        ("message", sio._handle_eio_message),
        ("connect", sio._handle_eio_connect),
    ):
        require(sio.eio.handlers.get(event) == handler, f"python-socketio's {event!r} handler")
