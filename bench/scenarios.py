"""The benchmark scenarios. Each returns a flat dict of figures (JSON-ready)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from bench.httpload import HttpConnection, closed_loop, request_bytes
from bench.servers import Server
from bench.sioclient import SioConnection, Stats, connect, stamped

PASSWORD = "bench password 1"  # noqa: S105


@dataclass
class Profile:
    """How big and long each scenario runs."""

    step_s: float
    latency_s: float
    max_steps: int
    start_rate: float  # messages/s offered in the first step of the search
    rest_s: float
    history_sizes: tuple[int, ...]
    history_requests: int
    connections: int
    connection_step: int
    pruning_sizes: tuple[int, ...] = (1_000, 100_000)  # rooms at their message limit
    pruning_s: float = 5.0  # each pass of posting into one of them (two passes each)
    floor_s: float = 4.0  # the shortest latency window of a run with pressure beside it
    referee_pairs: int = 3  # the interleaved referee's pairs (ours, bare) per figure
    referee_s: float = 4.0  # ... and each side's window
    referee_settle: bool = True  # wait for the server to idle before each window


FULL = Profile(3.0, 6.0, 12, 200.0, 10.0, (1_000, 10_000, 100_000, 1_000_000), 400, 10_000, 1_000)
QUICK = Profile(
    1.0, 1.5, 3, 100.0, 2.0, (1_000, 10_000), 40, 400, 200, (100, 1_000), 1.0, 4.0, 1, 0.5, False
)
# The test suite's run (--smoke): every scenario once, as small as still exercises it; it
# checks the bench works and measures nothing.
SMOKE = Profile(
    0.4, 0.5, 2, 100.0, 0.5, (100, 1_000), 16, 200, 100, (100, 1_000), 0.3, 1.5, 1, 0.5, False
)


def percentile(values: list[int], q: float) -> float:
    """The q-quantile in milliseconds (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index] / 1e6


class Target:
    """A server under test and how to make rooms on it."""

    def __init__(self, server: Server, secured: bool) -> None:
        self.server = server
        self.secured = secured
        self.host, self.port = server.host, server.port

    def address(self, index: int) -> tuple[str, int]:
        """Where the `index`th client of a scenario connects (bench/cluster.py: in turn)."""
        return self.host, self.port

    async def room(self) -> tuple[str, str]:
        room_id = "b_" + secrets.token_hex(6)
        if not self.secured:
            return room_id, "none"
        conn = await HttpConnection.open(self.host, self.port)
        try:
            raw = request_bytes(
                "POST", "/room/create", self.host, {"room_id": room_id, "password": PASSWORD}
            )
            status, body = await conn.roundtrip(raw)
            if status != 201:
                raise RuntimeError(f"room create failed: {status} {body[:200]!r}")
            return room_id, json.loads(body)["admin_token"]
        finally:
            conn.close()


async def guest_token(target: Target, room_id: str) -> str:
    """A new guest identity of the room (its password checked, as a person's would be)."""
    conn = await HttpConnection.open(target.host, target.port)
    try:
        raw = request_bytes("POST", f"/chat/{room_id}/verify", target.host, {"password": PASSWORD})
        status, body = await conn.roundtrip(raw)
        if status != 200:
            raise RuntimeError(f"verify failed: {status} {body[:200]!r}")
        return str(json.loads(body)["token"])
    finally:
        conn.close()


async def join_clients(
    target: Target,
    rooms: int,
    per_room: int,
    stats: Stats,
    room: tuple[str, str] | None = None,
    identities: bool = False,
) -> list[tuple[str, list[SioConnection]]]:
    """`rooms` new rooms (or the one given) of `per_room` clients each, all on the room's
    admin token or (`identities`) each a guest of its own, all in the presence list."""
    out = []
    for _ in range(rooms):
        room_id, token = room or await target.room()
        tokens = [token] * per_room
        if identities:
            tokens = [await guest_token(target, room_id) for _ in range(per_room)]
        conns = await asyncio.gather(
            *(connect(*target.address(i), each, stats) for i, each in enumerate(tokens))
        )
        for conn in conns:
            ack = await conn.call("join", {"room": room_id})
            if not ack.get("ok"):
                raise RuntimeError(f"join refused: {ack}")
        out.append((room_id, list(conns)))
    return out


# A typing event (a start, then a stop, in turn: each changes the room's typing list, so
# each is told to the room) after every this many messages, from the same client.
TYPING_EVERY = 10


async def offer(
    groups: list[tuple[str, list[SioConnection]]], rate: float, seconds: float, text_bytes: int
) -> int:
    """Send `rate` messages/s for `seconds`, round-robin over every client, with a typing
    event mixed in after every TYPING_EVERY messages. Open loop."""
    senders = [(room_id, conn) for room_id, conns in groups for conn in conns]
    total = max(1, int(rate * seconds))
    sent = 0
    start = time.monotonic()
    while sent < total:
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            room_id, conn = senders[sent % len(senders)]
            conn.emit("message", {"room": room_id, "message": stamped(text_bytes)})
            sent += 1
            if sent % TYPING_EVERY == 0:
                starts = sent % (2 * TYPING_EVERY) == TYPING_EVERY
                conn.emit("typing", {"room": room_id, "is_typing": starts})
        await asyncio.sleep(0.002)  # a tick: everything due is sent in one batch
    return sent


async def drain(stats: Stats, expected: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    last, still = stats.received, time.monotonic()
    while stats.received < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if stats.received != last:
            last, still = stats.received, time.monotonic()
        elif time.monotonic() - still > 1.5:
            break


async def fanout(
    target: Target,
    rooms: int,
    per_room: int,
    profile: Profile,
    text_bytes: int = 64,
    pressure: Any = None,
    at_rate: float | None = None,
    latency_s: float | None = None,
    pressure_lead_s: float = 0.0,
    room: tuple[str, str] | None = None,
    identities: bool = False,
) -> dict[str, Any]:
    """Deliveries/s at saturation (open-loop rate steps), then latency at half that rate,
    with the bytes the clients read and the server's CPU over that window."""
    stats = Stats()
    groups = await join_clients(target, rooms, per_room, stats, room, identities)
    if identities:
        # The room hears of its clients' arrivals at the server's next sweep (once a
        # second): before any measured window.
        await asyncio.sleep(1.5)
    result: dict[str, Any] = {"rooms": rooms, "clients_per_room": per_room}
    errors = 0
    try:
        saturation = 0.0
        peak_cpu = 0.0  # the load generator's own CPU over its busiest step, in % of a core
        if at_rate is None:
            rate = profile.start_rate
            for _ in range(profile.max_steps):
                stats.reset()
                stats.record = False
                t0, cpu0 = time.monotonic(), time.process_time()
                sent = await offer(groups, rate, profile.step_s, text_bytes)
                window = time.monotonic() - t0
                delivered = stats.received / window
                saturation = max(saturation, delivered)
                await drain(stats, sent * per_room)
                busy = time.monotonic() - t0
                peak_cpu = max(peak_cpu, 100 * (time.process_time() - cpu0) / busy)
                errors += stats.acks_error
                if delivered < 0.9 * rate * per_room:
                    break
                rate *= 1.6
            result["saturation_deliveries_per_s"] = round(saturation)
            result["loadgen_peak_cpu_pct"] = round(peak_cpu, 1)
            at_rate = saturation / per_room / 2
        # Latency at half the saturation rate (or the given rate); the pressure, if any,
        # starts `pressure_lead_s` before the measured window.
        pressure_task = asyncio.create_task(pressure()) if pressure else None
        if pressure_lead_s:
            await asyncio.sleep(pressure_lead_s)
        stats.reset()
        stats.record = True
        seconds = max(profile.latency_s, profile.floor_s) if pressure else profile.latency_s
        seconds = latency_s or seconds
        window0, server_cpu0 = time.monotonic(), target.server.cpu_seconds()
        sent = await offer(groups, at_rate, seconds, text_bytes)
        window = time.monotonic() - window0
        server_cpu = target.server.cpu_seconds() - server_cpu0
        bytes_in, presence_bytes = stats.bytes_in, stats.presence_bytes
        await drain(stats, sent * per_room)
        if pressure_task:
            pressure_task.cancel()
            pressure_result: dict[str, Any] | BaseException
            [pressure_result] = await asyncio.gather(pressure_task, return_exceptions=True)
            if isinstance(pressure_result, BaseException):
                raise pressure_result
            result.update(pressure_result)
            errors += pressure_result.get("password_check_failures", 0)
        lost = sent * per_room - stats.received
        errors += stats.acks_error + max(0, lost)
        lat = stats.latencies_ns
        result.update(
            {
                "latency_rate_msgs_per_s": round(at_rate, 1),
                "latency_deliveries": len(lat),
                "p50_ms": round(percentile(lat, 0.50), 2),
                "p95_ms": round(percentile(lat, 0.95), 2),
                "p99_ms": round(percentile(lat, 0.99), 2),
                # What the clients read (messages, typing, presence) and the server's CPU,
                # over the window the messages were offered in.
                "received_kib_per_s": round(bytes_in / 1024 / window, 1),
                "presence_kib_per_s": round(presence_bytes / 1024 / window, 2),
                "server_cpu_pct": round(100 * server_cpu / window, 1),
            }
        )
    finally:
        for _, conns in groups:
            for conn in conns:
                conn.close()
    result["errors"] = errors
    return result


async def rest_post(target: Target, profile: Profile, connections: int = 32) -> dict[str, Any]:
    room_id, token = await target.room()
    raw = request_bytes("POST", f"/chat/{room_id}", target.host, {"message": "x" * 64}, token)
    out = await closed_loop(target.host, target.port, raw, connections, profile.rest_s, 201)
    lat = out["latencies"]
    return {
        "connections": connections,
        "req_per_s": round(out["requests"] / out["elapsed"]),
        "p50_ms": round(percentile(lat, 0.5), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
        "errors": out["errors"],
    }


async def connections(target: Target, profile: Profile, per_room: int = 100) -> dict[str, Any]:
    """Ramp joined sockets in rooms of `per_room`; RSS per connection; then one broadcast per
    room must reach every socket."""
    # Many rooms: one huge room would measure the O(n^2) cost of presence events on join
    # instead of the cost of holding connections.
    stats = Stats()
    stats.record = False
    rooms: list[tuple[str, str]] = []
    conns: list[SioConnection] = []
    base_rss = target.server.rss_kib()
    steps = []
    errors = 0
    limit = asyncio.Semaphore(100)

    async def one(room_id: str, token: str) -> SioConnection | None:
        nonlocal errors
        async with limit:
            try:
                conn = await connect(target.host, target.port, token, stats, timeout=60)
                ack = await conn.call("join", {"room": room_id}, timeout=60)
                if not ack.get("ok"):
                    errors += 1
                return conn
            except (OSError, TimeoutError):
                errors += 1
                return None

    try:
        while len(conns) < profile.connections:
            batch = []
            for _ in range(profile.connection_step // per_room):
                room_id, token = await target.room()
                rooms.append((room_id, token))
                batch += [one(room_id, token) for _ in range(per_room)]
            conns += [c for c in await asyncio.gather(*batch) if c is not None]
            await asyncio.sleep(0.5)
            steps.append((len(conns), target.server.rss_kib()))
        stats.reset()
        http = await HttpConnection.open(target.host, target.port)
        for room_id, token in rooms:
            status, _ = await http.roundtrip(
                request_bytes("POST", f"/chat/{room_id}", target.host, {"message": "hi"}, token)
            )
            errors += status != 201
        http.close()
        deadline = time.monotonic() + 60
        while stats.received < len(conns) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        received = stats.received
    finally:
        for conn in conns:
            conn.close()
    final_n, final_rss = steps[-1]
    return {
        "connections": final_n,
        "rooms": len(rooms),
        "received_broadcast": received,
        "rss_base_mib": round(base_rss / 1024, 1),
        "rss_final_mib": round(final_rss / 1024, 1),
        "kib_per_connection": round((final_rss - base_rss) / max(1, final_n), 1),
        "errors": errors + (final_n - received),
    }
