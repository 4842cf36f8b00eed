"""The live Socket.IO connections of one process, and the one guard every event passes.

`SocketProtocol` lists each connection with the claims it proved at connect, runs an
event's handler (socket_api.SOCKET_EVENTS) under the connection's lock, and finds the
connections that committed events end or take out of a room (expired, revoked, stale,
evicted). No I/O: ServerBase's steps call it in the right lane.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from domain.model.addresses import within
from domain.model.errors import ChatError, ErrorCode
from domain.model.events import RoomTokensRevoked
from domain.model.policies import (
    Claims,
    Grant,
    RoomTokenClaims,
    room_token_current,
    token_expired,
)
from domain.usecases.access import check_signed_in, verify_token
from domain.usecases.deps import Deps
from domain.usecases.join_room import leave_room
from entrypoints.common.batching import Batched
from entrypoints.common.errors import (
    INTERNAL_MESSAGE,
    RequestError,
    TransportCode,
    error_ack,
    error_body,
    failed_ack,
)
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import Limit
from entrypoints.common.payloads import decode, expect_object
from entrypoints.common.schemas import Input
from entrypoints.common.socket_events import Emit, channel, emits_for
from entrypoints.common.socket_sessions import due_warnings

log = logging.getLogger("securechat.socket")


@dataclass(slots=True)
class Connection:
    """One live connection; its lock orders its events against its disconnect (an inline
    event never waits for it on the loop: `SocketProtocol.run_inline` queues it)."""

    # The lock is why a join that finishes after the disconnect began never leaves a ghost
    # in presence.

    claims: Claims
    rooms: dict[str, Grant] = field(default_factory=dict)
    address: str = ""  # the client's address key at connect (edge.address_key), for limits
    client: str = ""  # the client's address at connect (edge.client_address), for rooms
    closed: bool = False
    warned_for: int = 0  # the expiry it was told `token_expiring` of (socket_sessions)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Inline events handed to a worker to wait for `lock`: while one is queued, later inline
    # events queue behind it too, rather than pass it (deque: appends and pops are atomic).
    queued: deque[object] = field(default_factory=deque)


@dataclass(slots=True)
class SocketResult:
    ack: dict[str, Any]
    emits: list[Emit] = field(default_factory=list)
    enter: str | None = None  # Socket.IO room to enter before emitting
    exit: str | None = None  # Socket.IO room to leave before emitting
    # Run (in a worker) once the room is entered: what it returns is added to the ack.
    then: Callable[[], dict[str, Any]] | None = None


class Refused(Exception):
    """A connection attempt is refused; `body` is the error for the client's connect_error."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["error"])
        self.body = body


EventOutcome = SocketResult | Batched[SocketResult]


class Queued:
    """`SocketProtocol.run_inline`'s answer to an event that must wait for its connection:
    run it again in a worker (`run_queued`)."""


QUEUED = Queued()

P = TypeVar("P", bound=Input)


@dataclass(frozen=True, slots=True)
class SocketEvent(Generic[P]):
    """One client event: the schema of its payload, its handler (given the connection,
    under its lock, and the decoded payload) and lane."""

    name: str
    schema: type[P]
    handler: Callable[[Deps, Connection, str, P], EventOutcome]
    lane: Lane = Lane.WORKER
    # A payload carrying this field may make the handler verify a password: admission.py
    # then counts it under the password limits and runs it in the PASSWORD lane, so argon2
    # never takes the turn of a worker serving token holders.
    password_field: str | None = None
    # Counted before the handler runs (admission.admit_event), besides EVENT_LIMITS: by the
    # connection's identity and address.
    limits: tuple[Limit, ...] = ()
    # Its handler reads or writes presence: an INLINE event's turn moves to a worker when
    # presence is on Redis (SECURECHAT_REDIS_URL), so no event loop waits for it.
    presence: bool = False


# How often each runtime looks for connections whose token has expired (an O(connections)
# scan of an in-memory dict: about a millisecond for 10,000).
EXPIRY_SWEEP_S = 1.0


class SocketProtocol:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._lock = threading.Lock()
        self._connections: dict[str, Connection] = {}

    def connect(self, sid: str, auth: object, address: str = "", client: str = "") -> None:
        """`claims_of` then `enlist` (`ServerBase.connect_steps` counts limits between), or
        Refused; `client` is the client's address (IP policies, bans), `address` its limits key."""
        self.enlist(sid, self.claims_of(auth), address, client)

    def claims_of(self, auth: object) -> Claims:
        """The claims of the token in a connect's auth payload (signature, kind, expiry:
        no I/O), else raise Refused."""
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            return verify_token(self._deps, token if isinstance(token, str) else None)
        except ChatError as error:
            raise Refused(error_body(error.code, error.message)) from None

    def enlist(self, sid: str, claims: Claims, address: str = "", client: str = "") -> None:
        """List a connection with verified claims; a user token's sign-in must be live
        (read from storage: a worker's turn), else raise Refused."""
        with self._lock:
            if sid in self._connections:  # only the transport's own connect comes here
                raise Refused(error_body(ErrorCode.UNAUTHORIZED, "already connected"))
            self._connections[sid] = Connection(claims, address=address, client=client)
        # `authenticate`'s second half, once the connection is listed: a logout that commits
        # meanwhile is either seen here or finds this connection to drop (`revoked`).
        try:
            check_signed_in(self._deps, claims)
        except Exception as error:
            with self._lock:
                self._connections.pop(sid, None)
            if isinstance(error, ChatError):
                raise Refused(error_body(error.code, error.message)) from None
            raise

    def run(self, event: SocketEvent[Any], sid: str, args: tuple[object, ...]) -> EventOutcome:
        """The one guard every event passes (a live connection, one object argument of the
        event's schema, its lock held, waited for); every failure is an error ack."""
        connection = self.connection(sid)
        if connection is not None:
            connection.lock.acquire()
        return self._guarded(event, sid, args, connection)

    def run_inline(
        self, event: SocketEvent[Any], sid: str, args: tuple[object, ...]
    ) -> EventOutcome | Queued:
        """`run` on an event loop, which never waits for a connection's lock: QUEUED while
        another event holds or awaits it (then `run_queued` it in a worker)."""
        connection = self.connection(sid)
        busy = connection is not None and (
            connection.queued or not connection.lock.acquire(blocking=False)
        )
        if busy and connection is not None:
            connection.queued.append(sid)
            return QUEUED
        return self._guarded(event, sid, args, connection)

    def run_queued(
        self, event: SocketEvent[Any], sid: str, args: tuple[object, ...]
    ) -> EventOutcome:
        """`run` for an event `run_inline` queued: in a worker, behind the connection's
        running event; the inline events after it queue behind it in turn."""
        connection = self.connection(sid)
        if connection is not None:
            connection.lock.acquire()
            if connection.queued:  # never raises with the lock held
                connection.queued.popleft()
        return self._guarded(event, sid, args, connection)

    def _guarded(
        self,
        event: SocketEvent[Any],
        sid: str,
        args: tuple[object, ...],
        connection: Connection | None,
    ) -> EventOutcome:
        """`run`'s checks and the handler, with `connection`'s lock held (released here)."""
        try:
            try:
                if connection is None:
                    raise ChatError(ErrorCode.UNAUTHORIZED, "this connection is not authenticated")
                if len(args) != 1:
                    raise RequestError(
                        TransportCode.INVALID_EVENT, "an event takes exactly one object argument"
                    )
                data = expect_object(
                    args[0], TransportCode.INVALID_EVENT, "event data must be an object"
                )
                payload = decode(event.schema, data)
                if connection.closed:
                    raise ChatError(ErrorCode.UNAUTHORIZED, "this connection has ended")
                return event.handler(self._deps, connection, sid, payload)
            finally:
                if connection is not None:
                    connection.lock.release()
        except (ChatError, RequestError) as error:
            return SocketResult(failed_ack(error))
        except Exception:
            log.exception("unhandled error in socket event %s", event.name)
            return SocketResult(error_ack(TransportCode.INTERNAL_ERROR, INTERNAL_MESSAGE))

    def census(self) -> tuple[int, int]:
        """Live connections, and the rooms they have joined (one per connection and room)."""
        with self._lock:
            live = list(self._connections.values())
        return len(live), sum(len(connection.rooms) for connection in live)

    def connection(self, sid: str) -> Connection | None:
        """The live connection `sid`, if any."""
        with self._lock:
            return self._connections.get(sid)

    def in_channel(self, sid: str, name: str) -> bool:
        """Whether the connection is live and joined to the chat room of Socket.IO room
        `name`: a runtime asks right before entering it, so that the two always agree."""
        with self._lock:
            connection = self._connections.get(sid)
        if connection is None or connection.closed:
            return False
        return any(channel(room_id) == name for room_id in connection.rooms)

    def expired(self) -> list[str]:
        """Connections whose token has expired, for the runtime to disconnect (every
        `EXPIRY_SWEEP_S`) so they stop receiving broadcasts."""
        # Their events are refused from the moment of expiry anyway: each send re-checks
        # the claims.
        now_ms = self._deps.clock.now_ms()
        with self._lock:
            return [sid for sid, c in self._connections.items() if token_expired(c.claims, now_ms)]

    def expiring(self, warning_s: int) -> list[tuple[str, int]]:
        """Connections to tell `token_expiring` now, with the seconds left (once per token)."""
        now_ms = self._deps.clock.now_ms()
        with self._lock:
            return due_warnings(list(self._connections.items()), now_ms, warning_s)

    def revoked(self, family_id: str) -> list[str]:
        """Connections opened with an access token of this just-revoked sign-in (refresh
        family), or a room token minted from it: the runtime disconnects them at once."""
        with self._lock:
            return [sid for sid, c in self._connections.items() if c.claims.family_id == family_id]

    def stale(self, revoked: RoomTokensRevoked) -> list[str]:
        """Connections opened with a room token of this room that its new password or
        admin-token rotation just revoked: the runtime disconnects them at once."""
        with self._lock:
            return [
                sid
                for sid, c in self._connections.items()
                if isinstance(c.claims, RoomTokenClaims)
                and c.claims.room_id == revoked.room_id
                and not room_token_current(
                    c.claims, revoked.incarnation, revoked.password_version, revoked.admin_version
                )
            ]

    def evict_unverified(
        self, room_id: str, networks: tuple[str, ...], owner: str = ""
    ) -> tuple[list[str], list[Emit]]:
        """`evict`, for the connections of a room that now requires verified addresses
        whose client address is in none of `networks`, but the owner's (never shut out)."""
        with self._lock:
            outside = [
                sid
                for sid, c in self._connections.items()
                if not within(c.client, networks) and not (owner and c.claims.user_id == owner)
            ]
        evicted: list[str] = []
        emits: list[Emit] = []
        for sid in outside:
            out, presence = self.evict(room_id, sid=sid)
            evicted += out
            emits += presence
        return evicted, emits

    def evict(
        self, room_id: str, user_id: str | None = None, sid: str | None = None
    ) -> tuple[list[str], list[Emit]]:
        """Take a room's connections (all, or one identity's) out of it and presence, still
        connected: the sids, and the emits telling the room (none of use if it was deleted)."""
        # The runtime then takes them out of its Socket.IO room.
        with self._lock:
            if sid is not None:
                found = self._connections.get(sid)
                connections = [(sid, found)] if found is not None else []
            else:
                connections = list(self._connections.items())
        evicted: list[str] = []
        emits: list[Emit] = []
        for cid, connection in connections:
            with connection.lock:  # after an event of this connection still running
                grant = connection.rooms.get(room_id)
                if grant is None or (user_id is not None and grant.user_id != user_id):
                    continue
                del connection.rooms[room_id]
            emits += emits_for(leave_room(self._deps, grant, cid).events)
            evicted.append(cid)
        return evicted, emits

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
