"""The guards' shared halves on engine.io: what both runtimes' transport.py install alike;
each runtime's subclass adds only its sync or async call."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entrypoints.common.socket_wire import (
    EngineIo,
    PollingBacklog,
    backlog_admits,
    connect_steps,
    message_steps,
)
from entrypoints.common.steps import Steps


class ScreenBase:
    """engine.io's `message` and `connect` handlers: common's screen in front of
    python-socketio's own; a runtime's subclass drives the steps (sync or async)."""

    on_message: Callable[[str, str | bytes], Any]
    on_connect: Callable[[str, dict[str, Any]], Any]

    def __init__(
        self,
        eio: Any,
        drive: Callable[[Steps[Any]], Any],
        events: frozenset[str],
        watch: Callable[[Any], None],
        end: Callable[[str], Any],
    ) -> None:
        self.io = EngineIo.of(eio, end=end)
        self.sockets = eio.sockets
        self.drive = drive
        self.events = events
        self.watch = watch

    def message(self, eio_sid: str, data: str | bytes) -> Steps[None]:
        return message_steps(self.io, self.events, eio_sid, data)

    def connect(self, eio_sid: str, environ: dict[str, Any]) -> Steps[Any]:
        return connect_steps(self.io, self.sockets, self.watch, eio_sid, environ)

    def install(self, eio: Any) -> None:
        eio.on("message", self.on_message)
        eio.on("connect", self.on_connect)


class PromptDisconnectBase:
    """Stands in for engine.io's `disconnect`, which waits for a polling client's fetch:
    one that sent a bad packet and never polls again would hold that request forever."""

    def __init__(self, sio: Any) -> None:
        self.sio = sio
        self.close_all = sio.eio.disconnect

    def install(self, eio: Any) -> None:
        eio.disconnect = self


class JsonRefusalsBase:
    """Wraps engine.io's `handle_request`, answering each of its refusals (a 4xx, or an error it
    trips over) with our JSON body instead of its text."""

    def __init__(self, handle_request: Any) -> None:
        self.handle_request = handle_request

    def install(self, eio: Any) -> None:
        eio.handle_request = self


class BacklogWatchBase:
    """A long-polling session's `send`, accounting for every packet queued for it (only
    those pay for it: a WebSocket's writer has its own bound, outbox.py)."""

    def __init__(self, sock: Any, backlog: PollingBacklog) -> None:
        self.sock = sock
        self.backlog = backlog
        self.send = sock.send

    def admits(self, pkt: Any) -> bool:
        return backlog_admits(self.backlog, self.sock, pkt.data)

    @classmethod
    def install(cls, sock: Any, backlog: PollingBacklog) -> None:
        sock.send = cls(sock, backlog)


@dataclass(frozen=True, slots=True)
class Guards:
    """A runtime's guard classes on engine.io (its transport.py), installed alike."""

    websocket: Any  # a WebSocket class with install(eio)
    screen: Callable[..., ScreenBase]  # (sio, drive, events, watch)
    disconnect: type[PromptDisconnectBase]
    refusals: type[JsonRefusalsBase]
    backlog_watch: type[BacklogWatchBase]

    def install(
        self,
        sio: Any,
        drive: Callable[[Steps[Any]], Any],
        events: frozenset[str],
        backlog: PollingBacklog,
    ) -> None:
        """Every guard on `sio`'s own engine.io server; `drive` performs common's steps."""
        eio = sio.eio
        self.websocket.install(eio)
        watch = functools.partial(self.backlog_watch.install, backlog=backlog)
        self.screen(sio, drive, events, watch).install(eio)
        self.disconnect(sio).install(eio)
        self.refusals(eio.handle_request).install(eio)
