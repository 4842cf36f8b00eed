"""The Socket.IO protocol, runtime-neutral: each event in, an ack and emits out.

Every event is authorized on its own: a connection carries the claims it proved at connect,
and may act only in rooms it joined with them. The runtimes call these methods (Quart from a
worker thread), enter/leave the Socket.IO room they name, then emit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.model.errors import ChatError, ErrorCode
from domain.model.policies import Grant, RoomTokenClaims
from domain.model.rooms import RoomId
from domain.usecases.access import authenticate
from domain.usecases.deps import Deps
from domain.usecases.join_room import join_room, leave_room
from domain.usecases.send_message import SendCommand
from entrypoints.common.batching import SendResult
from entrypoints.common.errors import (
    INTERNAL,
    RequestError,
    TransportCode,
    error_body,
    socket_error,
)
from entrypoints.common.payloads import expect_object, required_string
from entrypoints.common.socket_events import Emit, channel, emits_for

log = logging.getLogger("securechat.socket")

OK: dict[str, Any] = {"ok": True, "status": "success"}


@dataclass(slots=True)
class Connection:
    """One live connection. Its lock orders its own events against its disconnect, so a
    join that finishes after the disconnect began can never leave a ghost in presence."""

    claims: RoomTokenClaims
    rooms: dict[str, Grant] = field(default_factory=dict)
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(slots=True)
class SocketResult:
    ack: dict[str, Any]
    emits: list[Emit] = field(default_factory=list)
    enter: str | None = None  # Socket.IO room to enter before emitting
    exit: str | None = None  # Socket.IO room to leave before emitting


class Refused(Exception):
    """A connection attempt is refused; `body` is the error for the client's connect_error."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["error"])
        self.body = body


# The events a client may send; anything else (reserved names included) is refused before it
# reaches a handler (socket_wire.screen).
EVENTS = frozenset({"join", "message", "leave"})

# How often each runtime looks for connections whose token has expired (an O(connections)
# scan of an in-memory dict: about a millisecond for 10,000).
EXPIRY_SWEEP_S = 1.0


class SocketProtocol:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._lock = threading.Lock()
        self._connections: dict[str, Connection] = {}

    def connect(self, sid: str, auth: object) -> None:
        """Admit a connection with a valid token in its auth payload, else raise Refused."""
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            claims = authenticate(self._deps, token if isinstance(token, str) else None)
        except ChatError as error:
            raise Refused(error_body(error.code, error.message)) from None
        with self._lock:
            if sid in self._connections:  # only the transport's own connect comes here
                raise Refused(error_body(ErrorCode.UNAUTHORIZED, "already connected"))
            self._connections[sid] = Connection(claims)

    def join(self, sid: str, *args: object) -> SocketResult:
        return self._guard(self._join, sid, args)

    def in_channel(self, sid: str, name: str) -> bool:
        """Whether the connection is live and joined to the chat room of Socket.IO room
        `name`: a runtime asks right before entering it, so that the two always agree."""
        with self._lock:
            connection = self._connections.get(sid)
        if connection is None or connection.closed:
            return False
        return any(channel(room_id) == name for room_id in connection.rooms)

    def parse_message(self, sid: str, *args: object) -> SendCommand | SocketResult:
        """Validate a `message` event (cheap, no I/O): a command to send, or the error ack."""
        parsed: list[SendCommand] = []

        def parse(connection: Connection, _sid: str, payload: dict[str, Any]) -> SocketResult:
            room_id = _room(payload)
            text = required_string(payload, "message")
            if room_id not in connection.rooms:
                raise ChatError(ErrorCode.NOT_JOINED, "join the room before sending to it")
            parsed.append(SendCommand(connection.claims, room_id, text))
            return SocketResult(dict(OK))

        result = self._guard(parse, sid, args)
        return parsed[0] if parsed else result

    @staticmethod
    def result_for(result: SendResult) -> SocketResult:
        """The ack (and emits) of a sent message."""
        if isinstance(result, ChatError):
            return SocketResult(socket_error(result))
        if result is None:
            return SocketResult({"ok": False, "status": "error", **INTERNAL})
        return SocketResult({**OK, "message_id": result.value.id}, emits_for(result.events))

    def leave(self, sid: str, *args: object) -> SocketResult:
        return self._guard(self._leave, sid, args)

    def expired(self) -> list[str]:
        """Connections whose token has expired. The runtime disconnects them (every
        `EXPIRY_SWEEP_S`), so that a socket does not go on receiving a room's broadcasts
        on a token that no longer grants it; its events are refused from the moment of
        expiry anyway, as each send re-checks the claims."""
        now_s = self._deps.clock.now_ms() / 1000
        with self._lock:
            return [sid for sid, c in self._connections.items() if c.claims.expires_at <= now_s]

    def disconnect(self, sid: str) -> list[Emit]:
        with self._lock:
            connection = self._connections.pop(sid, None)
        if connection is None:
            return []
        with connection.lock:  # waits for an event of this connection still running
            connection.closed = True
            grants, connection.rooms = list(connection.rooms.values()), {}
        emits: list[Emit] = []
        for grant in grants:
            emits += emits_for(leave_room(self._deps, grant, sid).events)
        return emits

    def _join(self, connection: Connection, sid: str, data: dict[str, Any]) -> SocketResult:
        room_id = _room(data)
        if room_id in connection.rooms:
            return SocketResult(dict(OK))
        out = join_room(self._deps, connection.claims, room_id, sid)
        connection.rooms[room_id] = out.value
        return SocketResult(dict(OK), emits_for(out.events), enter=channel(room_id))

    def _leave(self, connection: Connection, sid: str, data: dict[str, Any]) -> SocketResult:
        room_id = _room(data)
        grant = connection.rooms.pop(room_id, None)
        if grant is None:
            raise ChatError(ErrorCode.NOT_JOINED, "this connection is not in that room")
        out = leave_room(self._deps, grant, sid)
        return SocketResult(dict(OK), emits_for(out.events), exit=channel(room_id))

    def _guard(
        self,
        handler: Callable[[Connection, str, dict[str, Any]], SocketResult],
        sid: str,
        args: tuple[object, ...],
    ) -> SocketResult:
        try:
            with self._lock:
                connection = self._connections.get(sid)
            if connection is None:
                raise ChatError(ErrorCode.UNAUTHORIZED, "this connection is not authenticated")
            if len(args) != 1:
                raise RequestError(
                    TransportCode.INVALID_EVENT, "an event takes exactly one object argument"
                )
            payload = expect_object(
                args[0], TransportCode.INVALID_EVENT, "event data must be an object"
            )
            with connection.lock:
                if connection.closed:
                    raise ChatError(ErrorCode.UNAUTHORIZED, "this connection has ended")
                return handler(connection, sid, payload)
        except (ChatError, RequestError) as error:
            return SocketResult(socket_error(error))
        except Exception:
            log.exception("unhandled error in socket event %s", handler.__name__)
            return SocketResult({"ok": False, "status": "error", **INTERNAL})


def _room(data: dict[str, Any]) -> str:
    return RoomId(required_string(data, "room")).value
