"""Admission: what a request or a socket event is, decided once, from its decoded input.

Before anything runs, `admit_route` (a request of `routes.ROUTES`) and `admit_event` (a
call of `socket_api.SOCKET_EVENTS`) say where it runs (its lane), which limits it counts
under, and whether it is a password attempt; `count` counts it. Nothing else decides it.
A password attempt is read from the body decoded as JSON (`payloads.parse_json_object`:
`"admin_passwor\\u0064"` is the key `admin_password`, and a key named twice is refused) or
from the payload python-socketio decoded, never from raw bytes: so every spelling of an
attempt is counted under the password rules and hashed in the password lane, where it never
takes the turn of a worker serving token holders. The body is decoded here once and handed
to `http_api.answer`; routes that take no password (a send) are not decoded here at all.

Every attempt counts per address (limits.PASSWORD_LIMITS). An attempt that will cost a hash
(`worth_hashing`, on a valid room id) then counts on its room's ceiling; past it, instead
of shutting the room to everyone, each address prefix (IPv4 /24, IPv6 /48) gets a budget
of its own on that room (docs/security.md, Abuse limits, for the trade-off).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.model.errors import ChatError
from domain.model.policies import UserTokenClaims
from domain.model.rooms import RoomId, worth_hashing
from entrypoints.common.edge import address_key
from entrypoints.common.errors import RequestError
from entrypoints.common.http_api import Decoded
from entrypoints.common.http_types import HttpRequest, Route, json_body
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import (
    EVENT_LIMITS,
    PASSWORD_LIMITS,
    ROOM_CEILING,
    ROOM_PREFIX,
    Limit,
)
from entrypoints.common.limits import split as split_limits
from entrypoints.common.socket_connections import Connection, SocketEvent
from ports.limits import Check, RateLimiter

# The prefix a room past its ceiling counts a password attempt by: what one subscriber, one
# site or one hosting customer usually holds whole.
PREFIX_V4, PREFIX_V6 = 24, 48


@dataclass(frozen=True, slots=True)
class Admission:
    """What one request or event is: its lane, what it counts under before it runs (`checks`,
    all or none) and, for a hashed attempt, its room's ceiling and prefix budget (`hashed`)."""

    lane: Lane
    checks: tuple[Check, ...] = ()
    hashed: tuple[Check, Check] | None = None
    by_identity: tuple[Limit, ...] = ()  # a route's: counted once its token is verified
    decoded: Decoded = None  # a route's body, decoded here (or why it is not JSON)
    password_attempt: bool = False


def admit_route(route: Route, request: HttpRequest) -> Admission:
    """A request of `route`, from its client address (`request.client`) and its body
    decoded as JSON, when the route may verify a password."""
    before, by_identity = split_limits(route.limits)
    field = route.password_field or route.room_password_field
    if field is None or route.body is None:
        checks = _keyed(before, address_key(request.client), request.path_params)
        return Admission(route.lane, checks, by_identity=by_identity)
    decoded = _decode(request, route.body_optional)
    body = decoded if isinstance(decoded, dict) else {}
    attempt = route.room_password_field is not None or field in body
    if not attempt:
        checks = _keyed(before, address_key(request.client), request.path_params)
        return Admission(route.lane, checks, by_identity=by_identity, decoded=decoded)
    room = request.path_params.get("room_id", body.get("room_id"))
    checks, hashed = _password_checks(request.client, room, body.get(field))
    keyed = _keyed(before, address_key(request.client), request.path_params)
    return Admission(Lane.PASSWORD, keyed + checks, hashed, by_identity, decoded, True)


def admit_event(
    event: SocketEvent[Any], connection: Connection | None, args: tuple[object, ...]
) -> Admission:
    """A call of `event` on `connection` (None: not live, refused uncounted), from its payload
    as python-socketio decoded it; every event counts per identity."""
    if connection is None:
        return Admission(event.lane)
    claims, address = connection.claims, connection.address
    checks = tuple(
        (limit.rule, limit.key(address, {}, claims.user_id))
        for limit in (*EVENT_LIMITS, *event.limits)
    )
    # A password is an attempt only where the handler may verify it: a user token's (a room
    # token's is ignored), in the one object argument, not null.
    field = event.password_field
    data = args[0] if len(args) == 1 and isinstance(args[0], dict) else None
    if (
        field is None
        or data is None
        or data.get(field) is None
        or not isinstance(claims, UserTokenClaims)
    ):
        return Admission(event.lane, checks)
    room = data.get("room")
    if _valid_room(room) is None:
        return Admission(event.lane, checks)  # refused before any hashing: not an attempt
    password, hashed = _password_checks(connection.client, room, data[field])
    return Admission(Lane.PASSWORD, checks + password, hashed, password_attempt=True)


def count(limiter: RateLimiter, admission: Admission) -> float:
    """Count an admission under its checks, then, for a hash, its room's ceiling, past that its
    prefix's budget: 0.0, or the seconds to wait. In memory and cheap: on the loop."""
    wait = limiter.attempt(admission.checks) if admission.checks else 0.0
    if wait or admission.hashed is None:
        return wait
    ceiling, prefix = admission.hashed
    if not limiter.attempt((ceiling,)):
        return 0.0
    # Past the room's ceiling: not a refusal for everyone, a small budget per prefix.
    return limiter.attempt((prefix,))


def prefix_key(client: str) -> str:
    """The network a room past its ceiling counts an attempt by: the IPv4 /24 or the IPv6
    /48 of the client's address (its address key when it is not an address)."""
    key = address_key(client)
    try:
        network = ipaddress.ip_network(key, strict=False)
    except ValueError:
        return key
    bits = PREFIX_V4 if network.version == 4 else PREFIX_V6
    return str(network.supernet(new_prefix=bits)) if network.prefixlen > bits else str(network)


def _password_checks(
    client: str, room: object, guess: object
) -> tuple[tuple[Check, ...], tuple[Check, Check] | None]:
    """A password attempt's checks per address, and, if it will cost a hash, its room's."""
    room_id = _valid_room(room)
    address = address_key(client)
    params = {"room_id": room_id or ""}
    checks = _keyed(PASSWORD_LIMITS, address, params)
    if room_id is None or not worth_hashing(guess):
        return checks, None
    params["prefix"] = prefix_key(client)
    hashed = (_check(ROOM_CEILING, address, params), _check(ROOM_PREFIX, address, params))
    return checks, hashed


def _decode(request: HttpRequest, optional: bool) -> dict[str, Any] | RequestError:
    try:
        return json_body(request, optional)
    except RequestError as error:
        return error  # answered as the route's guard would: after its token is checked


def _keyed(limits: Sequence[Limit], address: str, params: Mapping[str, str]) -> tuple[Check, ...]:
    return tuple(_check(limit, address, params) for limit in limits)


def _check(limit: Limit, address: str, params: Mapping[str, str]) -> Check:
    return limit.rule, limit.key(address, params)


def _valid_room(room: object) -> str | None:
    if not isinstance(room, str):
        return None
    try:
        return RoomId(room).value
    except ChatError:
        return None
