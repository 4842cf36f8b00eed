"""Live sockets are bounded and cheap to churn, on both runtimes, in raw Engine.IO frames:
the 21st socket of one identity and the socket over its address's cap are refused at the
Socket.IO handshake with `too_many_connections`; connects past an identity's rate get
`rate_limited`; and one identity cycling its connection in a room costs each listener a
bounded number of bytes that does not grow with the room (presence goes out as deltas,
coalesced per room per sweep), counted byte by byte at every listener."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.contract.client import Api, Room
from tests.contract.harness import UNLIMITED_ENOUGH
from tests.contract.wire import RawPolling, RawSocketIO

PER_IDENTITY = 20  # the documented default
PER_ADDRESS = 50  # below the default (200), so that the test opens fewer sockets
CONNECTS_PER_MINUTE = 30  # connect_user's default
GRACE_S = 3  # SECURECHAT_SLOW_CLIENT_TIMEOUT: how long a session may go without connecting

# conftest's server, with these settings (every client of a test shares 127.0.0.1).
SERVER_ENV = {
    "SECURECHAT_MAX_SOCKETS_PER_IDENTITY": str(PER_IDENTITY),
    "SECURECHAT_MAX_SOCKETS_PER_ADDRESS": str(PER_ADDRESS),
    "SECURECHAT_RATE_LIMITS": f"{UNLIMITED_ENOUGH};connect_user={CONNECTS_PER_MINUTE}/minute",
    "SECURECHAT_SLOW_CLIENT_TIMEOUT": str(GRACE_S),
}


@pytest.fixture(scope="module")
def storage() -> str:
    return "memory"  # sockets and presence live in memory whatever the storage


def _connect(api: Api, token: str) -> tuple[RawSocketIO, dict[str, Any] | None]:
    """A raw socket and its Socket.IO handshake: None when admitted, else the refusal's
    `{"error", "code", ...}` (what a client's connect_error carries as `data`)."""
    sock = RawSocketIO(api.base_url)
    sock.send_text("40" + json.dumps({"token": token}))
    reply = sock.recv_text()
    if reply.startswith("40{"):
        return sock, None
    assert reply.startswith("44{"), reply
    refusal: dict[str, Any] = json.loads(reply[2:])["data"]
    assert refusal["error"] and set(refusal) >= {"error", "code"}, refusal
    return sock, refusal


def _close_all(sockets: list[RawSocketIO]) -> None:
    for sock in sockets:
        sock.close()
    sockets.clear()
    time.sleep(0.5)  # the server sees them go and frees their places


def test_the_21st_socket_of_one_identity_is_refused_at_the_handshake(api: Api) -> None:
    room = api.create_room()
    token, other = api.token(room), api.token(room)
    held: list[RawSocketIO] = []
    try:
        for _ in range(PER_IDENTITY):
            sock, refusal = _connect(api, token)
            held.append(sock)
            assert refusal is None
        sock, refusal = _connect(api, token)
        held.append(sock)
        assert refusal is not None and refusal["code"] == "too_many_connections", refusal
        # Another identity from the same address is not held to this one's cap.
        sock, refusal = _connect(api, other)
        held.append(sock)
        assert refusal is None
        # A socket that goes frees its place.
        held.pop(0).close()
        time.sleep(0.5)
        sock, refusal = _connect(api, token)
        held.append(sock)
        assert refusal is None
    finally:
        _close_all(held)


def test_the_socket_over_its_addresss_cap_is_refused_at_the_handshake(api: Api) -> None:
    room = api.create_room()
    tokens = [api.token(room) for _ in range(PER_ADDRESS // PER_IDENTITY + 1)]
    held: list[RawSocketIO] = []
    try:
        for n in range(PER_ADDRESS):
            sock, refusal = _connect(api, tokens[n // PER_IDENTITY])
            held.append(sock)
            assert refusal is None, (n, refusal)
        fresh = api.token(room)  # an identity with no socket yet
        sock, refusal = _connect(api, fresh)
        held.append(sock)
        assert refusal is not None and refusal["code"] == "too_many_connections", refusal
        assert "address" in refusal["error"]
    finally:
        _close_all(held)


def test_connect_churn_of_one_identity_is_refused_past_its_rate(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    for _ in range(CONNECTS_PER_MINUTE):
        sock, refusal = _connect(api, token)
        sock.close()
        assert refusal is None
    sock, refusal = _connect(api, token)
    sock.close()
    assert refusal is not None and refusal["code"] == "rate_limited", refusal
    assert 1 <= refusal["retry_after"] <= 60
    # Another identity's connects are its own.
    sock, refusal = _connect(api, api.token(room))
    sock.close()
    assert refusal is None


def test_a_session_that_never_connects_or_was_refused_is_ended_after_its_grace(
    api: Api,
) -> None:
    """Engine.IO sessions hold a descriptor each: one that never sends the Socket.IO
    connect, over WebSocket or long-polling, and one whose connect was refused, are ended
    by the server a little after SECURECHAT_SLOW_CLIENT_TIMEOUT; a connected one stays."""
    room = api.create_room()
    idle = RawSocketIO(api.base_url)  # the Engine.IO open, and nothing more
    refused, refusal = _connect(api, "not a token")
    assert refusal is not None and refusal["code"] == "unauthorized"
    polling = RawPolling(api.base_url)
    connected, none = _connect(api, api.token(room))
    assert none is None
    started = time.monotonic()
    try:
        for sock in (idle, refused):
            sock.wait_closed(timeout=GRACE_S + 5)
        assert time.monotonic() - started >= GRACE_S - 1
        deadline = time.monotonic() + 5
        while (status := polling.poll()[0]) == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 400  # its session is gone
        # The connected socket is still served.
        assert connected.call("join", {"room": room.room_id})[0]["ok"] is True
    finally:
        for sock in (idle, refused, connected):
            sock.close()


def _listener(api: Api, room: Room, name: str) -> RawSocketIO:
    sock, refusal = _connect(api, api.token(room, name))
    assert refusal is None
    assert sock.call("join", {"room": room.room_id})[0]["ok"] is True
    return sock


def _drain(sock: RawSocketIO, quiet: float) -> list[str]:
    """Every packet received until none came for `quiet` seconds."""
    out: list[str] = []
    while True:
        try:
            out.append(sock.recv_text(timeout=quiet))
        except TimeoutError:
            return out


def _churn_cost(api: Api, room: Room, listeners: list[RawSocketIO], cycles: int) -> list[int]:
    """One new identity connects, joins and goes `cycles` times, then joins and stays: the
    bytes each listener received meanwhile (every packet), once it has all arrived. Each
    listener must have heard the identity that stayed arrive, as a delta."""
    for sock in listeners:
        _drain(sock, 0.05)
    time.sleep(1.2)  # a sweep: the listeners' own arrivals are told
    for sock in listeners:
        _drain(sock, 0.05)
    churner = api.verify(room)
    for _ in range(cycles):
        sock, refusal = _connect(api, churner["token"])
        assert refusal is None
        assert sock.call("join", {"room": room.room_id})[0]["ok"] is True
        sock.close()
    stays, _ = _connect(api, churner["token"])
    assert stays.call("join", {"room": room.room_id})[0]["ok"] is True
    time.sleep(2.5)  # two sweeps: whatever the churn causes has been sent
    costs = []
    for sock in listeners:
        packets = _drain(sock, 0.1)
        updates = [json.loads(p[2:])[1] for p in packets if p.startswith('42["presence_update"')]
        assert updates, packets
        last = updates[-1]
        assert [u["user_id"] for u in last["joined"]] == [churner["user_id"]], updates
        assert last["count"] == len(listeners) + 1
        costs.append(sum(len(p.encode()) for p in packets))
    stays.close()
    return costs


def test_connection_churn_costs_each_listener_bytes_that_do_not_grow_with_the_room(
    api: Api,
) -> None:
    cycles = 10
    small_room, big_room = api.create_room(), api.create_room()
    listeners: list[RawSocketIO] = []
    try:
        listeners += [_listener(api, small_room, f"small{n}") for n in range(20)]
        small = _churn_cost(api, small_room, listeners, cycles)
        _close_all(listeners)
        listeners += [_listener(api, big_room, f"big{n}") for n in range(40)]
        big = _churn_cost(api, big_room, listeners, cycles)
    finally:
        _close_all(listeners)
    # With the whole list sent on every arrival and departure, each listener of the room
    # twice as big got twice the bytes (about 90 bytes per member per change).
    assert max(big) <= 1.5 * max(small) + 200, (max(small), max(big))
    assert max(big) <= 1500, max(big)  # a few deltas, whatever the churn
