"""What may reach the Socket.IO server at all: a screen in front of its packet dispatch.

python-socketio dispatches an EVENT by its name, reserved names included: an event named
``disconnect`` ran our disconnect handler on a live connection, one named ``connect``
swapped its claims. It also buffers binary attachments a packet announces, and a packet it
cannot decode ends in a logged traceback. Every Engine.IO message therefore passes
``screen`` first, which reads only the packet's head (type, namespace, ack id, event name)
and decides: pass it on, answer it with an error ack, drop it, or close the connection.
No I/O here; each runtime applies the verdict with its own send and disconnect.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from entrypoints.common.errors import TransportCode, error_ack, error_body, render_http_status
from entrypoints.common.shapes import JSON_HEADERS
from entrypoints.common.steps import Steps, io_call

log = logging.getLogger("securechat.transport")

# Socket.IO v5 packet types.
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK = "0123456"

# Names the Socket.IO protocol itself uses; a client may never send them as events.
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)

_MAX_ACK_ID_DIGITS = 15

# An EVENT's head: "2", an optional "/namespace,", an optional ack id, then the array whose
# first element must be the event name as a JSON string.
_EVENT_HEAD = re.compile(r'2(?:(/[^,\[]*),)?([0-9]*)\["((?:[^"\\]|\\.)*)"([,\]])')


class Action(Enum):
    PASS = "pass"  # noqa: S105 - hand the packet to python-socketio
    DROP = "drop"  # ignore it
    CLOSE = "close"  # end the connection: the client does not speak our protocol


@dataclass(frozen=True, slots=True)
class Screened:
    action: Action
    reply: str | None = None  # a Socket.IO packet to send back first (an error ack)
    reason: str | None = None  # for the log: what was wrong (never the packet itself)


PASSED = Screened(Action.PASS)


def ack_packet(ack_id: int, namespace: str | None, body: dict[str, object]) -> str:
    """The text of a Socket.IO ACK carrying one argument."""
    prefix = f"{namespace}," if namespace and namespace != "/" else ""
    return f"{ACK}{prefix}{ack_id}{json.dumps([body], separators=(',', ':'))}"


def screen(data: str | bytes, events: frozenset[str]) -> Screened:
    """The verdict on one Engine.IO message for a server whose events are `events`."""
    if not isinstance(data, str):
        return Screened(Action.CLOSE, reason="binary message")
    kind = data[:1]
    if kind == EVENT:
        return _screen_event(data, events)
    if kind == CONNECT:
        return _screen_connect(data)
    if kind == DISCONNECT:
        return PASSED
    if kind == ACK:
        # The server never asks clients for acks; an ACK answers nothing.
        return Screened(Action.DROP, reason="unsolicited ack")
    if kind in (BINARY_EVENT, BINARY_ACK):
        return Screened(Action.CLOSE, reason="binary attachments are not supported")
    return Screened(Action.CLOSE, reason="unknown packet type")


def _screen_connect(data: str) -> Screened:
    rest = data[1:]
    if rest.startswith("/"):
        _, comma, rest = rest.partition(",")
        if not comma:
            return PASSED  # a namespace without payload
    if not rest:
        return PASSED
    try:
        json.loads(rest)
    except (ValueError, RecursionError):
        return Screened(Action.CLOSE, reason="malformed CONNECT payload")
    return PASSED  # any JSON: the connect handler refuses what is not a token object


def _screen_event(data: str, events: frozenset[str]) -> Screened:
    head = _EVENT_HEAD.match(data)
    if head is None:
        ack_id, namespace = _ack_id_of(data)
        return _refuse(ack_id, namespace, "malformed event", "the event must be [name, ...]")
    namespace, digits, raw_name, _ = head.groups()
    if len(digits) > _MAX_ACK_ID_DIGITS:
        return Screened(Action.CLOSE, reason="ack id too long")
    ack_id = int(digits) if digits else None
    if namespace not in (None, "/"):
        return Screened(Action.DROP, reason="event for another namespace")
    name = raw_name if "\\" not in raw_name else _unescape(raw_name)
    if name is None:
        return _refuse(ack_id, namespace, "malformed event name", "the event name is not valid")
    if name in events and name not in RESERVED_EVENTS:
        return PASSED
    return _refuse(ack_id, namespace, "unknown event", "there is no such event")


def _refuse(ack_id: int | None, namespace: str | None, reason: str, message: str) -> Screened:
    if ack_id is None:
        return Screened(Action.DROP, reason=reason)
    body = error_ack(TransportCode.INVALID_EVENT, message)
    return Screened(Action.DROP, reply=ack_packet(ack_id, namespace, body), reason=reason)


def _ack_id_of(data: str) -> tuple[int | None, str | None]:
    """The ack id (and namespace) of an EVENT too malformed to read further, if any."""
    rest, namespace = data[1:], None
    if rest.startswith("/"):
        namespace, _, rest = rest.partition(",")
    digits = 0
    while digits < len(rest) and digits <= _MAX_ACK_ID_DIGITS and rest[digits] in "0123456789":
        digits += 1
    if not digits or digits > _MAX_ACK_ID_DIGITS:
        return None, namespace
    return int(rest[:digits]), namespace


def _unescape(raw: str) -> str | None:
    try:
        name = json.loads(f'"{raw}"')
    except ValueError:
        return None
    return name if isinstance(name, str) else None


def screen_noted(data: str | bytes, events: frozenset[str]) -> Screened:
    """`screen`, noting a refusal's reason in the (rate-limited) transport log."""
    verdict = screen(data, events)
    if verdict.reason is not None:
        log.warning("refused a Socket.IO packet: %s", verdict.reason)
    return verdict


def note_malformed(error: BaseException) -> None:
    log.warning("closing a connection after a malformed packet (%s)", type(error).__name__)


@dataclass(frozen=True, slots=True)
class EngineIo:
    """A runtime's engine.io functions the screen's steps call (sync on Flask, async on
    Quart): send a packet, end a session now, and python-socketio's own packet dispatch."""

    send: Callable[[str, str], Any]
    end: Callable[[str], Any]
    dispatch: Callable[[str, str | bytes], Any]
    connect: Callable[[str, Any], Any]

    @classmethod
    def of(cls, eio: Any, end: Callable[[str], Any]) -> EngineIo:
        """engine.io server `eio`'s functions, before our handlers replace its own."""
        return cls(eio.send, end, eio.handlers["message"], eio.handlers["connect"])


def message_steps(
    io: EngineIo, events: frozenset[str], eio_sid: str, data: str | bytes
) -> Steps[None]:
    """One Engine.IO message: screened, then answered, dropped, closed on, or handed to
    python-socketio; a packet python-socketio cannot decode closes its connection."""
    verdict = screen_noted(data, events)
    if verdict.reply is not None:
        yield from io_call(io.send, eio_sid, verdict.reply)
    if verdict.action is Action.CLOSE:
        yield from io_call(io.end, eio_sid)
    if verdict.action is not Action.PASS:
        return
    try:
        yield from io_call(io.dispatch, eio_sid, data)
    except Exception as error:  # a packet python-socketio could not decode
        note_malformed(error)
        yield from io_call(io.end, eio_sid)


def connect_steps(
    io: EngineIo,
    sockets: Mapping[str, Any],
    watch: Callable[[Any], None],
    eio_sid: str,
    environ: Mapping[str, Any],
) -> Steps[Any]:
    """An Engine.IO handshake: python-socketio's own handling, then, for a long-polling
    session only, `watch` (the backlog's accounting on what is queued for it)."""
    accepted = yield from io_call(io.connect, eio_sid, environ)
    if sock := new_polling_session(sockets, eio_sid, environ):
        watch(sock)
    return accepted


def packet_size(data: object) -> int:
    """Bytes a queued Engine.IO packet holds, for the polling backlog."""
    return len(data) if isinstance(data, str | bytes) else 64


def polling_queues(sockets: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(session, packets queued) of every live long-polling Engine.IO session."""
    return [
        (sid, sock.queue.qsize())
        for sid, sock in list(sockets.items())
        if not (sock.upgraded or sock.closed)
    ]


def engineio_message_ok(data: str | bytes) -> bool:
    """Whether a WebSocket message is an Engine.IO packet we take: text, of a client's
    packet type (close, ping, pong, message, upgrade, noop). Binary is refused."""
    return isinstance(data, str) and data[:1] in _CLIENT_EIO_TYPES


_CLIENT_EIO_TYPES = frozenset("123456")


def is_polling(query_string: str) -> bool:
    """Whether an Engine.IO handshake (its query string) opens a long-polling session."""
    return "transport=polling" in query_string


def new_polling_session(
    sockets: Mapping[str, Any], eio_sid: str, environ: Mapping[str, Any]
) -> Any:
    """The engine.io socket of a session just opened by a long-polling handshake, or None
    (a WebSocket from the start, or refused): only those pay for the backlog's accounting."""
    sock = sockets.get(eio_sid)
    if sock is not None and is_polling(environ.get("QUERY_STRING", "")):
        return sock
    return None


def backlog_admits(backlog: PollingBacklog, sock: Any, data: object) -> bool:
    """Whether to queue a packet of `data` for engine.io socket `sock` (False: drop it; the
    session is over its backlog, and the sweep ends it). An upgraded one is not counted."""
    return bool(sock.upgraded) or backlog.admit(sock.sid, packet_size(data), sock.queue.empty())


class PollingBacklog:
    """Long-polling clients that stop fetching: one whose queue is not emptied for `timeout_s`,
    or holds over `max_bytes`, is named by `overdue`, and `admit` drops its further packets."""

    # A WebSocket client that stops reading is cut off by its writer (outbox.py); a polling
    # client's packets wait in engine.io's queue until it polls, so the runtime reports each
    # one queued (`admit`) and, once a second, how many each session still holds (`overdue`).
    def __init__(self, timeout_s: float, max_bytes: int, clock: Callable[[], float]) -> None:
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._clock = clock
        self._pending: dict[str, list[float]] = {}  # session -> [since, bytes queued]
        self._cut: set[str] = set()

    def admit(self, session: str, size: int, queue_empty: bool) -> bool:
        """Whether to queue a packet of `size` bytes for `session` (False: drop it)."""
        if session in self._cut:
            return False
        entry = self._pending.get(session)
        if entry is None or queue_empty:
            entry = self._pending[session] = [self._clock(), 0]
        entry[1] += size
        if entry[1] > self._max_bytes:
            self._cut.add(session)
            return False
        return True

    def overdue(self, queued: Iterable[tuple[str, int]]) -> list[str]:
        """Sessions to disconnect, given (session, packets queued) for every polling
        session; forgets every other one (gone, or upgraded to a WebSocket)."""
        now = self._clock()
        live: dict[str, list[float]] = {}
        out = []
        for session, count in queued:
            entry = self._pending.get(session)
            if session in self._cut:
                out.append(session)
            elif entry is not None and count > 0:
                if now - entry[0] > self._timeout_s:
                    out.append(session)
                else:
                    live[session] = entry
        self._pending = live
        self._cut.clear()  # named once; the runtime disconnects them now
        return out


# engine.io answers its own refusals (an unknown session or transport, a bad method) in
# text/plain, and the ASGI driver closes a refused WebSocket without a body (uvicorn then
# sends a bare 403). Both runtimes answer every one of them with our JSON instead, and an
# exception engine.io trips over (a session it is closing) as a 400 of the same shape.
REFUSAL_HEADERS = tuple(JSON_HEADERS.items())
_ENGINEIO_HEADERS_DROPPED = frozenset({"content-type", "content-length"})


def engineio_refusal(status: int) -> tuple[int, bytes]:
    """Our status and JSON body for an engine.io refusal of HTTP status `status`."""
    code, body = render_http_status(status if 400 <= status < 500 else 400)
    if code == 400:
        body = error_body(TransportCode.BAD_REQUEST, "not a valid Engine.IO request")
    return code, json.dumps(body).encode()


def refusal_headers(engineio_headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """engine.io's headers (CORS for allowed origins) with our content headers."""
    kept = [(k, v) for k, v in engineio_headers if k.lower() not in _ENGINEIO_HEADERS_DROPPED]
    return kept + list(REFUSAL_HEADERS)
