"""What both runtimes' servers are, without I/O (python-socketio's base_server, ours).

`ServerBase` holds the protocol state and writes every handler once: a route's answer, a
socket event's ack, a connect, a disconnect and the once-a-second sweep, each as a
generator of steps (common/steps.py: run this in that lane, wait for the batcher, emit,
enter a room, sleep), with CORS and the rendering of framework errors beside them. A shell
(entrypoints/flask/shell.py, entrypoints/quart/shell.py) only reads its framework's request
and performs the steps with its own I/O: calls inline on the gevent hub or in a thread for
Quart, its batcher, python-socketio's emit and rooms.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from domain.model.errors import ErrorCode
from domain.model.events import (
    AddressesNarrowed,
    Event,
    FamilyRevoked,
    MemberRemoved,
    RoomDeleted,
    RoomTokensRevoked,
)
from domain.model.policies import Claims
from domain.model.sessions import EndReason
from domain.usecases.send_message import SendCommand
from domain.usecases.typing import expire_typing
from entrypoints.common import http_api, request_log
from entrypoints.common.admission import admit_event, admit_route, count
from entrypoints.common.batching import Batched, SendResult, send_batch
from entrypoints.common.bootstrap import Core
from entrypoints.common.connection_caps import ConnectionCaps, PendingHandshakes
from entrypoints.common.cors import cors_headers
from entrypoints.common.edge import (
    EdgePolicy,
    RequestHeaders,
    address_key,
    client_address,
    decided_at_the_edge,
    socket_client_address,
)
from entrypoints.common.errors import (
    INTERNAL,
    TOO_MANY_ATTEMPTS,
    TransportCode,
    error_ack,
    error_body,
    render_http_status,
)
from entrypoints.common.http_api import limited, respond
from entrypoints.common.http_types import HttpRequest, HttpResponse, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import CONNECT_ADDRESS_LIMITS as CONNECT_BY_IP
from entrypoints.common.limits import CONNECT_IDENTITY_LIMITS as CONNECT_BY_ID
from entrypoints.common.limits import Limit, Tarpit
from entrypoints.common.metrics_view import note_refusal
from entrypoints.common.presence_fanout import PresenceFanout
from entrypoints.common.quiet_log import transport_logger
from entrypoints.common.request_log import request_id
from entrypoints.common.settings import Settings
from entrypoints.common.shapes import JSON_HEADERS, encode_json
from entrypoints.common.socket_api import EVENTS_BY_NAME
from entrypoints.common.socket_connections import (
    EXPIRY_SWEEP_S,
    EventOutcome,
    Queued,
    Refused,
    SocketProtocol,
)
from entrypoints.common.socket_events import PRESENCE_NOTE, Emit, channel, emits_for
from entrypoints.common.socket_wire import PollingBacklog, polling_queues
from entrypoints.common.steps import (
    Disconnect,
    EndSession,
    Enter,
    Leave,
    Sleep,
    StartSweep,
    Steps,
    Submit,
    call,
)
from ports.limits import Check

log = logging.getLogger("securechat.server")

# A bodyless answer to a CORS preflight: status and headers.
Preflight = tuple[int, dict[str, str]]
# A response to write: status, body and headers.
RawReply = tuple[int, bytes, dict[str, str]]


class ServerBase:
    def __init__(self, settings: Settings, core: Core) -> None:
        self.settings = settings
        self.core = core
        self.deps = core.deps
        self.limiter = core.limiter
        self.protocol = SocketProtocol(core.deps)
        self.edge = EdgePolicy.from_settings(settings)
        self.backlog = PollingBacklog(
            settings.slow_client_timeout_s, settings.max_queued_bytes, time.monotonic
        )
        self.sweeping = False  # the sweep starts with the first connection
        self.fanout = PresenceFanout()
        self.handshakes = PendingHandshakes(settings.slow_client_timeout_s)
        self.caps = ConnectionCaps(
            settings.max_sockets_per_identity,
            settings.max_sockets_per_address,
            settings.fd_reserve,
            core.files,
        )
        self.tarpit = Tarpit()

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

    def view_steps(self, route: Route, request: HttpRequest) -> Steps[RawReply]:
        """A route's answer, in its lane; a send through the batcher; the emits after
        the commit. The result is the status, body and headers to write. Every line logged
        meanwhile carries the request's id (request_log.py), echoed in X-Request-Id."""
        started = time.perf_counter()
        rid = request_id(request.peer, request.headers, self.edge.trusted)
        client = client_address(request.peer, request.headers, self.edge.trusted)
        request = dataclasses.replace(request, client=client)
        access = (route.method, route.rule, started, client) if self.settings.access_log else None
        return (
            yield from request_log.logged(self.answer_steps(route, request, started), rid, access)
        )

    def answer_steps(self, route: Route, request: HttpRequest, started: float) -> Steps[RawReply]:
        # Its lane and limits, from its decoded body (a password attempt however spelled).
        admission = admit_route(route, request)
        if wait := count(self.limiter, admission):
            yield from self.tarpit_steps(address_key(request.client))
            return (yield from self.reply_steps(limited(wait)))
        # Its identity's limits count it once the token is verified, before the body is
        # read or anything stored (an edit, a send).
        by_identity = admission.by_identity
        admit = functools.partial(self.admit, by_identity) if by_identity else None
        answer = yield from call(
            admission.lane, http_api.answer, self.deps, route, request, admit, admission.decoded
        )
        if isinstance(answer, Batched):
            answer = respond(answer, (yield Submit(answer.command)))
            if answer.status < 300:
                self.deps.metrics.message("rest", time.perf_counter() - started)
        return (yield from self.reply_steps(answer))

    def tarpit_steps(self, key: str) -> Steps[None]:
        """Hold a refusal back before it is answered (limits.Tarpit), when there is room."""
        delay = self.settings.refusal_delay_ms / 1000
        if delay <= 0 or not self.tarpit.hold(key):
            return
        try:
            yield Sleep(delay)
        finally:
            self.tarpit.release(key)

    def admit(self, limits: Sequence[Limit], claims: Claims) -> HttpResponse | None:
        """Count a request under its identity's limits: None, or the 429 to answer. In
        memory and cheap; called by `http_api.answer` in the route's lane."""
        user = claims.user_id
        checks = [(limit.rule, limit.key("", {}, user)) for limit in limits]
        wait = self.limiter.attempt(checks)
        return limited(wait) if wait else None

    def reply_steps(self, response: HttpResponse) -> Steps[RawReply]:
        """The emits of a response's events and, for a revoked sign-in (logout, or a
        refresh token replayed, refused with 401 all the same), the end of its sockets."""
        yield from self.emitting(emits_for(response.events))
        yield from self.revocation_steps(response.events)
        note_refusal(self.deps.metrics, response, "http")
        return self.encode(response)

    def revocation_steps(self, events: Sequence[Event]) -> Steps[None]:
        """What committed events do to live sockets, after their emits: end, at once, every
        socket opened with a token they revoked (a sign-in's, a room's guest or admin
        tokens), each told `session_ended` first; take every socket out of a deleted room,
        and a kicked or banned identity's sockets out of its room (each told with `kicked`
        / `banned`). Every one of those events carries its `reason` (sessions.EndReason)."""
        for event in events:
            # The lookups are in memory: cheap enough for an event loop.
            match event:
                case FamilyRevoked(family_id=family_id, reason=reason):
                    yield from self.end_steps(self.protocol.revoked(family_id), reason)
                case RoomTokensRevoked(reason=reason):
                    yield from self.end_steps(self.protocol.stale(event), reason)
                case RoomDeleted(room_id=room_id):
                    # Waits for each connection's running event: in a worker.
                    evicted, _ = yield from call(Lane.WORKER, self.protocol.evict, room_id)
                    for sid in evicted:
                        yield Leave(sid, channel(room_id))
                case MemberRemoved(room_id=room_id, user_id=user_id, standing=standing):
                    evicted, presence = yield from call(
                        Lane.WORKER, self.protocol.evict, room_id, user_id
                    )
                    for sid in evicted:
                        # Told on its own, then out of the room; the room sees it leave.
                        told = {"room": room_id, "reason": EndReason(standing.value).value}
                        yield Emit(standing.value, told, sid)
                        yield Leave(sid, channel(room_id))
                    yield from self.emitting(presence)
                case AddressesNarrowed(room_id=room_id, networks=networks, owner=owner):
                    evicted, presence = yield from call(
                        Lane.WORKER, self.protocol.evict_unverified, room_id, networks, owner
                    )
                    for sid in evicted:
                        told = {"room": room_id, "reason": EndReason.IP_NOT_VERIFIED.value}
                        yield Emit("ip_not_verified", told, sid)
                        yield Leave(sid, channel(room_id))
                    yield from self.emitting(presence)

    def encode(self, response: HttpResponse) -> RawReply:
        """Status, body and headers to write."""
        if isinstance(response.body, bytes):  # the docs page: it names its own type
            return response.status, response.body, dict(response.headers)
        return response.status, encode_json(response.body), {**JSON_HEADERS, **response.headers}

    def preflight(self, method: str, headers: RequestHeaders) -> Preflight | None:
        """The answer to a CORS preflight, or None for every other request."""
        if method != "OPTIONS":
            return None
        return 204, cors_headers(self.settings.cors_origins, headers.get("Origin"), True)

    def cors(self, method: str, headers: RequestHeaders) -> dict[str, str]:
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
        note_refusal(self.deps.metrics, response, "http")
        if code == 405 and headers and "Allow" in headers:
            response.headers["Allow"] = headers["Allow"]
        return response

    def unhandled(self, error: BaseException) -> HttpResponse:
        log.error("unhandled error", exc_info=error)
        return HttpResponse(500, dict(INTERNAL))

    # -- Socket.IO -------------------------------------------------------------------------

    def connect_steps(
        self, sid: str, auth: object, environ: Mapping[str, Any] | None = None
    ) -> Steps[None]:
        """Admit a connection (or raise socket_api.Refused); the first attempt starts the
        sweep. `environ` is engine.io's, of the request that opened it: its client address
        is what the connection's limits count by. Counted by address before its token is
        read, by identity once it is verified, then held to the caps on live sockets (all in
        memory, on the loop); a user token's sign-in is then checked live in a worker."""
        if not self.sweeping:  # first, so that even a refused connect's session is swept
            self.sweeping = True
            yield StartSweep()
        client = socket_client_address(environ or {}, self.edge.trusted)
        address = address_key(client)
        self.refuse_if_limited([(limit.rule, limit.key(address, {})) for limit in CONNECT_BY_IP])
        claims = self.protocol.claims_of(auth)
        user = claims.user_id
        self.refuse_if_limited([(limit.rule, limit.key("", {}, user)) for limit in CONNECT_BY_ID])
        if self.caps.holds(sid):
            raise Refused(error_body(ErrorCode.UNAUTHORIZED, "already connected"))
        if (why := self.caps.admit(sid, user, address)) is not None:
            raise Refused(error_body(TransportCode.TOO_MANY_CONNECTIONS, why))
        try:
            yield from call(Lane.WORKER, self.protocol.enlist, sid, claims, address, client)
        except BaseException:
            self.caps.release(sid)
            raise

    def refuse_if_limited(self, checks: list[Check]) -> None:
        """Count a connect under these checks; over one, refuse it (`rate_limited`, with
        the seconds to wait, in its connect_error)."""
        if wait := self.limiter.attempt(checks):
            self.deps.metrics.refused(TransportCode.RATE_LIMITED, "connect")
            raise Refused(
                {
                    **error_body(TransportCode.RATE_LIMITED, TOO_MANY_ATTEMPTS),
                    "retry_after": int(wait),
                }
            )

    def event_steps(self, name: str, sid: str, args: tuple[object, ...]) -> Steps[dict[str, Any]]:
        """An event of the table (socket_wire.screen lets no other through): its handler in
        its lane, a send through the batcher, then the room entered or left and the emits,
        all after the commit. The result is the ack."""
        event = EVENTS_BY_NAME.get(name)
        if event is None:
            return error_ack(TransportCode.INVALID_EVENT, "there is no such event")
        started, metrics = time.perf_counter(), self.deps.metrics
        metrics.event(name)  # a name of the table: a bounded set of labels
        # Its lane and limits, from its decoded payload (the same rule as a route's).
        admission = admit_event(event, self.protocol.connection(sid), args)
        if wait := count(self.limiter, admission):
            metrics.refused(TransportCode.RATE_LIMITED, "socket")
            return error_ack(TransportCode.RATE_LIMITED, TOO_MANY_ATTEMPTS, retry_after=wait)
        step: EventOutcome | Queued
        if admission.lane is Lane.INLINE:
            step = yield from call(Lane.INLINE, self.protocol.run_inline, event, sid, args)
            if isinstance(step, Queued):  # its connection is busy: it waits in a worker
                step = yield from call(Lane.WORKER, self.protocol.run_queued, event, sid, args)
        else:
            step = yield from call(admission.lane, self.protocol.run, event, sid, args)
        if isinstance(step, Batched):
            step = step.respond((yield Submit(step.command)))
            if step.ack.get("ok") is not False:
                metrics.message("socket", time.perf_counter() - started)
        if step.ack.get("ok") is False:
            metrics.refused(str(step.ack.get("code")), "socket")
        # The disconnect may have run while a join was in its thread: enter only a live
        # connection (protocol.disconnect runs before python-socketio forgets the sid).
        if step.enter and self.protocol.in_channel(sid, step.enter):
            yield Enter(sid, step.enter)
        if step.exit:
            yield Leave(sid, step.exit)
        yield from self.emitting(step.emits)
        if step.then is not None:  # a join's recovery: read once the room is entered
            step.ack.update((yield from call(Lane.WORKER, step.then)))
        return step.ack

    def disconnect_steps(self, sid: str) -> Steps[None]:
        self.caps.release(sid)
        emits = yield from call(Lane.WORKER, self.protocol.disconnect, sid)
        yield from self.emitting(emits)

    def emitting(self, emits: Iterable[Emit]) -> Steps[None]:
        """Emits as they go out, in order; a room's presence changes are held for the
        sweep's next flush instead (presence_fanout: one delta per room per sweep)."""
        for emit in emits:
            if emit.event == PRESENCE_NOTE:
                self.fanout.note(emit)
            else:
                yield emit

    def sweep_steps(
        self, eio_sockets: Mapping[str, Any], connected: Callable[[str], bool] | None = None
    ) -> Steps[None]:
        """Every EXPIRY_SWEEP_S, for ever: cut off long-polling clients that stopped
        fetching (`eio_sockets`: engine.io's sessions) and sessions that never made a
        Socket.IO connection (`connected`: whether one has), end connections whose token
        has expired, tell rooms whose typing ran out, and send the rooms' presence changes
        of the last interval (coalesced). One failure never stops the sweeping."""
        while True:
            yield Sleep(EXPIRY_SWEEP_S)
            try:
                yield from self._sweep_once(eio_sockets, connected)
            except Exception:
                log.exception("a sweep failed")

    def _sweep_once(
        self, eio_sockets: Mapping[str, Any], connected: Callable[[str], bool] | None = None
    ) -> Steps[None]:
        for eio_sid in self.backlog.overdue(polling_queues(eio_sockets)):
            log.warning("cut off a long-polling client that stopped fetching")
            yield EndSession(eio_sid)
        if connected is not None:
            for eio_sid in self.handshakes.overdue(list(eio_sockets), connected):
                yield EndSession(eio_sid)  # no Socket.IO connection in time: its place goes
        # In memory: cheap enough for an event loop.
        for sid, left in self.protocol.expiring(self.settings.token_warning_s):
            yield Emit("token_expiring", {"expires_in": left}, sid)
        yield from self.end_steps(self.protocol.expired(), EndReason.TOKEN_EXPIRED)
        yield from emits_for(expire_typing(self.deps))  # typing that ran out, per room
        yield from self.fanout.flush()  # presence: one delta per room that changed
        yield from call(Lane.WORKER, self.flush_metrics)

    def flush_metrics(self) -> None:
        """This process's census and counts into the metrics (in a worker: they lock)."""
        self.deps.metrics.census(*self.protocol.census())
        self.deps.metrics.flush()

    def end_steps(self, sids: Sequence[str], reason: EndReason) -> Steps[None]:
        """Disconnect connections whose access has ended (expired, revoked), each told
        `session_ended {"reason"}` first: never silently."""
        for sid in sids:
            try:
                yield Emit("session_ended", {"reason": reason.value}, sid)
                yield Disconnect(sid)  # runs disconnect: presence is updated
            except Exception:
                log.exception("could not end a connection")
            # Whatever became of the socket, its access ends here (a no-op when the
            # disconnect handler has already run).
            yield from self.disconnect_steps(sid)
