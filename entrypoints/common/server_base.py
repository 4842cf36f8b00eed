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
from typing import Any, TypeVar, TypeVarTuple

from domain.model.errors import ErrorCode, Unavailable
from domain.model.policies import Claims
from domain.model.sessions import EndReason
from domain.usecases.join_room import forget_departed
from domain.usecases.send_message import SendCommand
from domain.usecases.typing import expire_typing
from entrypoints.common import http_api, relay, request_log
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
    client_origin,
    decided_at_the_edge,
    socket_client_address,
)
from entrypoints.common.errors import (
    INTERNAL,
    TOO_MANY_ATTEMPTS,
    UNAVAILABLE_RETRY_S,
    TransportCode,
    error_ack,
    error_body,
    failed_ack,
    render_http_status,
)
from entrypoints.common.http_api import error_response, limited, respond
from entrypoints.common.http_types import HttpRequest, HttpResponse, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import CONNECT_ADDRESS_LIMITS as CONNECT_BY_IP
from entrypoints.common.limits import CONNECT_IDENTITY_LIMITS as CONNECT_BY_ID
from entrypoints.common.limits import Limit, Tarpit
from entrypoints.common.metrics_view import note_refusal
from entrypoints.common.presence_fanout import PresenceFanout
from entrypoints.common.quiet_log import transport_logger
from entrypoints.common.request_log import request_id
from entrypoints.common.revocations import Revocations
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
from entrypoints.common.socket_events import PRESENCE_NOTE, Emit, emits_for
from entrypoints.common.socket_wire import PollingBacklog, polling_queues
from entrypoints.common.steps import (
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
R = TypeVar("R")
Ts = TypeVarTuple("Ts")

# A bodyless answer to a CORS preflight: status and headers.
Preflight = tuple[int, dict[str, str]]
# A response to write: status, body and headers.
RawReply = tuple[int, bytes, dict[str, str]]


class ServerBase(Revocations):
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
        # With SECURECHAT_REDIS_URL, limits and presence are Redis round trips: never made
        # on an event loop, and revocations are told to the cluster's other processes.
        self.shared = bool(settings.redis_url)
        self.state_lane = Lane.WORKER if self.shared else Lane.INLINE

    def on_state(self, fn: Callable[[*Ts], R], *args: *Ts) -> Steps[R]:
        """`fn(*args)` on rate limits or presence: in this process's memory, a plain call
        (no step); on Redis, a worker's turn, never the event loop's."""
        if not self.shared:
            return fn(*args)
        return (yield from call(Lane.WORKER, fn, *args))

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
        """A route's answer (status, body and headers), in its lane; a send through the
        batcher; the emits after the commit. Every line logged carries the request's id."""
        started = time.perf_counter()
        rid = request_id(request.peer, request.headers, self.edge.trusted)
        client = client_address(request.peer, request.headers, self.edge.trusted)
        scheme, host = client_origin(
            request.peer, request.headers, request.scheme, request.host, self.edge.trusted
        )
        request = dataclasses.replace(request, client=client, scheme=scheme, host=host)
        access = (route.method, route.rule, started, client) if self.settings.access_log else None
        return (
            yield from request_log.logged(self.answer_steps(route, request, started), rid, access)
        )

    def answer_steps(self, route: Route, request: HttpRequest, started: float) -> Steps[RawReply]:
        # Its lane and limits, from its decoded body (a password attempt however spelled).
        admission = admit_route(route, request)
        try:
            wait = yield from self.on_state(count, self.limiter, admission)
        except Unavailable as error:  # Redis, whose outage is logged once
            return (yield from self.reply_steps(error_response(error)))
        if wait:
            yield from self.tarpit_steps(address_key(request.client))
            return (yield from self.reply_steps(limited(wait)))
        # Its identity's limits count it once the token is verified, before the body is
        # read or anything stored (an edit, a send).
        by_identity = admission.by_identity
        admit = functools.partial(self.admit, by_identity) if by_identity else None
        lane = self.state_lane if admission.lane is Lane.INLINE else admission.lane
        answer = yield from call(
            lane, http_api.answer, self.deps, route, request, admit, admission.decoded
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
        if self.shared and (relayed := relay.encode(response.events)):
            yield Emit(
                relay.RELAY_EVENT, {"events": relayed}, relay.RELAY_ROOM
            )  # to the other processes
        note_refusal(self.deps.metrics, response, "http")
        return self.encode(response)

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
        """Admit a connection (or raise socket_api.Refused), its limits counted by the client
        address of `environ` (engine.io's); the first attempt starts the sweep."""
        if not self.sweeping:  # first, so that even a refused connect's session is swept
            self.sweeping = True
            yield StartSweep()
        # By address before its token is read, by identity once verified, then the caps on
        # live sockets (all in memory, on the loop); a sign-in is checked live in a worker.
        client = socket_client_address(environ or {}, self.edge.trusted)
        address = address_key(client)
        yield from self.refuse_if_limited(
            [(limit.rule, limit.key(address, {})) for limit in CONNECT_BY_IP]
        )
        claims = self.protocol.claims_of(auth)
        user = claims.user_id
        yield from self.refuse_if_limited(
            [(limit.rule, limit.key("", {}, user)) for limit in CONNECT_BY_ID]
        )
        if self.caps.holds(sid):
            raise Refused(error_body(ErrorCode.UNAUTHORIZED, "already connected"))
        if (why := self.caps.admit(sid, user, address)) is not None:
            raise Refused(error_body(TransportCode.TOO_MANY_CONNECTIONS, why))
        try:
            yield from call(Lane.WORKER, self.protocol.enlist, sid, claims, address, client)
        except BaseException:
            self.caps.release(sid)
            raise

    def refuse_if_limited(self, checks: list[Check]) -> Steps[None]:
        """Count a connect under these checks; over one, refuse it (`rate_limited`, with
        the seconds to wait, in its connect_error; `unavailable` while Redis is away)."""
        try:
            wait = yield from self.on_state(self.limiter.attempt, checks)
        except Unavailable as error:
            raise Refused(
                {**error_body(error.code, error.message), "retry_after": UNAVAILABLE_RETRY_S}
            ) from None
        if wait:
            self.deps.metrics.refused(TransportCode.RATE_LIMITED, "connect")
            raise Refused(
                {
                    **error_body(TransportCode.RATE_LIMITED, TOO_MANY_ATTEMPTS),
                    "retry_after": int(wait),
                }
            )

    def event_steps(self, name: str, sid: str, args: tuple[object, ...]) -> Steps[dict[str, Any]]:
        """An event of the table (`socket_wire.screen` lets no other through), run in its lane;
        the room entered or left and the emits follow the commit. The result is the ack."""
        event = EVENTS_BY_NAME.get(name)
        if event is None:
            return error_ack(TransportCode.INVALID_EVENT, "there is no such event")
        started, metrics = time.perf_counter(), self.deps.metrics
        metrics.event(name)  # a name of the table: a bounded set of labels
        # Its lane and limits, from its decoded payload (the same rule as a route's).
        admission = admit_event(event, self.protocol.connection(sid), args)
        try:
            wait = yield from self.on_state(count, self.limiter, admission)
        except Unavailable as error:  # Redis, whose outage is logged once
            return failed_ack(error)
        if wait:
            metrics.refused(TransportCode.RATE_LIMITED, "socket")
            return error_ack(TransportCode.RATE_LIMITED, TOO_MANY_ATTEMPTS, retry_after=wait)
        step: EventOutcome | Queued
        lane = admission.lane
        if lane is Lane.INLINE and event.presence:  # Redis presence: a worker's turn
            lane = self.state_lane
        if lane is Lane.INLINE:
            step = yield from call(Lane.INLINE, self.protocol.run_inline, event, sid, args)
            if isinstance(step, Queued):  # its connection is busy: it waits in a worker
                step = yield from call(Lane.WORKER, self.protocol.run_queued, event, sid, args)
        else:
            step = yield from call(lane, self.protocol.run, event, sid, args)
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
        try:
            emits = yield from call(Lane.WORKER, self.protocol.disconnect, sid)
        except Unavailable:  # Redis away (logged once): its presence entries stay behind
            return
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
        """Every EXPIRY_SWEEP_S, for ever: end stalled pollers (`eio_sockets`), sessions never
        connected (`connected`) and expired tokens; send typing and presence changes."""
        # One failure never stops the sweeping.
        while True:
            yield Sleep(EXPIRY_SWEEP_S)
            try:
                yield from self._sweep_once(eio_sockets, connected)
            except Unavailable:
                pass  # Redis away: logged once by the adapter; the next sweep tries again
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
        # Typing that ran out, per room (on Redis: told by the one process that ended it).
        yield from emits_for((yield from self.on_state(expire_typing, self.deps)))
        if self.shared:  # presence of processes that died without leaving
            yield from self.emitting(
                emits_for((yield from self.on_state(forget_departed, self.deps)))
            )
        yield from self.fanout.flush()  # presence: one delta per room that changed
        yield from call(Lane.WORKER, self.flush_metrics)

    def flush_metrics(self) -> None:
        """This process's census and counts into the metrics (in a worker: they lock)."""
        self.deps.metrics.census(*self.protocol.census())
        self.deps.metrics.flush()
