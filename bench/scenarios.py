"""The benchmark scenarios. Each returns a flat dict of figures (JSON-ready)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
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


FULL = Profile(3.0, 6.0, 12, 200.0, 10.0, (1_000, 10_000, 100_000, 1_000_000), 400, 10_000, 1_000)
QUICK = Profile(1.0, 1.5, 3, 100.0, 2.0, (1_000, 10_000), 40, 400, 200, (100, 1_000), 1.0)


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


async def _clients(
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


async def _offer(
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


async def _drain(stats: Stats, expected: int, timeout: float = 5.0) -> None:
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
    groups = await _clients(target, rooms, per_room, stats, room, identities)
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
                sent = await _offer(groups, rate, profile.step_s, text_bytes)
                window = time.monotonic() - t0
                delivered = stats.received / window
                saturation = max(saturation, delivered)
                await _drain(stats, sent * per_room)
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
        seconds = max(profile.latency_s, 4.0) if pressure else profile.latency_s
        seconds = latency_s or seconds
        window0, server_cpu0 = time.monotonic(), target.server.cpu_seconds()
        sent = await _offer(groups, at_rate, seconds, text_bytes)
        window = time.monotonic() - window0
        server_cpu = target.server.cpu_seconds() - server_cpu0
        bytes_in, presence_bytes = stats.bytes_in, stats.presence_bytes
        await _drain(stats, sent * per_room)
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


async def set_message_limit(target: Target, room_id: str, admin_token: str, limit: int) -> None:
    """PATCH the room's own message_limit."""
    conn = await HttpConnection.open(target.host, target.port)
    try:
        raw = request_bytes(
            "PATCH",
            f"/admin/rooms/{room_id}/settings",
            target.host,
            {"message_limit": limit},
            admin_token,
        )
        status, body = await conn.roundtrip(raw)
        if status != 200:
            raise RuntimeError(f"setting the message limit failed: {status} {body[:200]!r}")
    finally:
        conn.close()


async def _stored_count(target: Target, room_id: str, admin_token: str) -> int:
    """How many messages the room holds in storage (the admin view counts them)."""
    conn = await HttpConnection.open(target.host, target.port)
    try:
        raw = request_bytes("GET", f"/admin/rooms/{room_id}", target.host, token=admin_token)
        status, body = await conn.roundtrip(raw)
        if status != 200:
            raise RuntimeError(f"room overview failed: {status} {body[:200]!r}")
        return int(json.loads(body)["message_count"])
    finally:
        conn.close()


async def pruning(
    target: Target, rooms: dict[int, tuple[str, str]], profile: Profile, connections: int = 32
) -> dict[str, Any]:
    """Posting into rooms prefilled to their message limit, so every message prunes one: CPU
    per message, throughput and latency per size; each room still holds its limit after."""
    sizes = sorted(rooms)
    totals = {size: {"requests": 0, "cpu_s": 0.0, "elapsed": 0.0} for size in sizes}
    latencies: dict[int, list[int]] = {size: [] for size in sizes}
    errors = 0
    # The sizes take turns (two passes each), so a drift of the machine weighs on all alike.
    for _ in range(2):
        for size in sizes:
            room_id, token = rooms[size]
            raw = request_bytes(
                "POST", f"/chat/{room_id}", target.host, {"message": "x" * 64}, token
            )
            await closed_loop(target.host, target.port, raw, 4, 0.3, 201)  # warm-up
            cpu0 = target.server.cpu_seconds()
            out = await closed_loop(
                target.host, target.port, raw, connections, profile.pruning_s, 201
            )
            totals[size]["cpu_s"] += target.server.cpu_seconds() - cpu0
            totals[size]["requests"] += out["requests"]
            totals[size]["elapsed"] += out["elapsed"]
            latencies[size] += out["latencies"]
            errors += out["errors"]
    result: dict[str, Any] = {"connections": connections, "sizes": sizes}
    for size in sizes:
        room_id, token = rooms[size]
        total = totals[size]
        cpu_us = 1e6 * total["cpu_s"] / max(1, total["requests"])
        stored = await _stored_count(target, room_id, token)
        errors += stored != size  # pruning keeps the room exactly at its limit
        result.update(
            {
                f"messages_{size}": total["requests"],
                f"stored_after_{size}": stored,
                f"us_per_message_{size}": round(cpu_us, 1),
                f"req_per_s_{size}": round(total["requests"] / total["elapsed"]),
                f"p50_ms_{size}": round(percentile(latencies[size], 0.5), 2),
                f"p99_ms_{size}": round(percentile(latencies[size], 0.99), 2),
            }
        )
    small, large = sizes[0], sizes[-1]
    result["cost_ratio_largest_to_smallest"] = round(
        result[f"us_per_message_{large}"] / result[f"us_per_message_{small}"], 2
    )
    result["req_per_s_ratio_smallest_to_largest"] = round(
        result[f"req_per_s_{small}"] / max(1, result[f"req_per_s_{large}"]), 2
    )
    result["errors"] = errors
    return result


async def history(
    target: Target, rooms: dict[int, tuple[str, str, str]], profile: Profile
) -> dict[str, Any]:
    """p50/p99 of the newest page and of a deep page, per stored history size."""
    result: dict[str, Any] = {}
    errors = 0
    conn = await HttpConnection.open(target.host, target.port)
    try:
        for size, (room_id, token, middle_id) in sorted(rooms.items()):
            for label, query in (("newest", "limit=50"), ("deep", f"limit=50&before={middle_id}")):
                raw = request_bytes(
                    "GET", f"/chat/{room_id}/messages?{query}", target.host, token=token
                )
                for _ in range(5):  # warm-up
                    await conn.roundtrip(raw)
                lat = []
                for _ in range(profile.history_requests):
                    start = time.monotonic_ns()
                    status, body = await conn.roundtrip(raw)
                    lat.append(time.monotonic_ns() - start)
                    if status != 200 or body.count(b'"id"') != 50:
                        errors += 1
                result[f"{label}_{size}_p50_ms"] = round(percentile(lat, 0.5), 3)
                result[f"{label}_{size}_p99_ms"] = round(percentile(lat, 0.99), 3)
    finally:
        conn.close()
    sizes = sorted(rooms)
    result["newest_p99_ratio_largest_to_smallest"] = round(
        result[f"newest_{sizes[-1]}_p99_ms"] / result[f"newest_{sizes[0]}_p99_ms"], 2
    )
    result["errors"] = errors
    return result


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


async def _offer_requests(
    target: Target,
    raw: bytes,
    per_second: float,
    connections: int,
    answered: Callable[[int, int], None],
) -> tuple[float, int]:
    """Offer one request at a steady rate (open loop, up to `connections` in flight) until
    cancelled, telling `answered` of each; then the seconds run and offers found all busy."""
    idle = asyncio.Queue[HttpConnection]()
    for _ in range(connections):
        idle.put_nowait(await HttpConnection.open(target.host, target.port))
    tasks: set[asyncio.Task[None]] = set()
    skipped = 0

    async def one(conn: HttpConnection) -> None:
        start = time.monotonic_ns()
        status, _ = await conn.roundtrip(raw)
        answered(status, time.monotonic_ns() - start)
        idle.put_nowait(conn)

    started = time.monotonic()
    offered = 0
    try:
        while True:
            due = int((time.monotonic() - started) * per_second) + 1
            while offered < due:
                offered += 1
                if idle.empty():
                    skipped += 1
                    continue
                task = asyncio.create_task(one(idle.get_nowait()))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(0.005)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
    return time.monotonic() - started, skipped


async def password_pressure(
    target: Target, room_id: str, per_second: float, connections: int = 4
) -> dict[str, Any]:
    """Correct password checks offered at a steady rate (open loop, up to `connections`
    in flight) until cancelled; returns how many completed and their latency."""
    raw = request_bytes("POST", f"/chat/{room_id}/verify", target.host, {"password": PASSWORD})
    latencies: list[int] = []
    failures = 0

    def answered(status: int, latency_ns: int) -> None:
        nonlocal failures
        latencies.append(latency_ns)
        failures += status != 200

    elapsed, skipped = await _offer_requests(target, raw, per_second, connections, answered)
    return {
        "password_checks_per_s": round(len(latencies) / elapsed, 1),
        "password_check_p50_ms": round(percentile(latencies, 0.5), 1),
        "password_check_p99_ms": round(percentile(latencies, 0.99), 1),
        "password_checks_skipped": skipped,
        "password_check_failures": failures,
    }


async def password_guessers(target: Target, room_id: str, guessers: int = 8) -> dict[str, Any]:
    """`guessers` clients each sending wrong passwords back to back until cancelled (each
    expects 401); returns how many guesses the server answered."""
    raw = request_bytes(
        "POST", f"/chat/{room_id}/verify", target.host, {"password": "not the password"}
    )
    answered = 0
    failures = 0

    async def guess() -> None:
        nonlocal answered, failures
        conn = await HttpConnection.open(target.host, target.port)
        try:
            while True:
                status, _ = await conn.roundtrip(raw)
                answered += 1
                failures += status != 401
        finally:
            conn.close()

    started = time.monotonic()
    tasks = [asyncio.create_task(guess()) for _ in range(guessers)]
    try:
        await asyncio.Event().wait()  # until cancelled
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "guessers": guessers,
        "guesses_answered_per_s": round(answered / (time.monotonic() - started), 1),
        "password_check_failures": failures,
    }


async def history_reads(target: Target, room_id: str, token: str, seconds: float) -> list[int]:
    """Latencies of back-to-back newest-page reads on one connection for `seconds`."""
    raw = request_bytes("GET", f"/chat/{room_id}/messages?limit=50", target.host, token=token)
    conn = await HttpConnection.open(target.host, target.port)
    latencies: list[int] = []
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            start = time.monotonic_ns()
            status, _ = await conn.roundtrip(raw)
            latencies.append(time.monotonic_ns() - start)
            if status != 200:
                raise RuntimeError(f"history read answered {status}")
    finally:
        conn.close()
    return latencies


async def history_under_guessing(
    target: Target, profile: Profile, guessers: int = 8
) -> dict[str, Any]:
    """A token holder's history reads, alone and while `guessers` clients guess passwords
    of another room back to back: password work must not take the readers' turn."""
    room_id, token = await target.room()
    guessed_room, _ = await target.room()
    for index in range(50):
        raw = request_bytes(
            "POST", f"/chat/{room_id}", target.host, {"message": f"m{index}"}, token
        )
        conn = await HttpConnection.open(target.host, target.port)
        await conn.roundtrip(raw)
        conn.close()
    seconds = max(profile.latency_s, 3.0)
    alone = await history_reads(target, room_id, token, seconds)
    pressure = asyncio.create_task(password_guessers(target, guessed_room, guessers))
    await asyncio.sleep(0.5)  # let the guessing fill the server's queues
    guessed = await history_reads(target, room_id, token, seconds)
    pressure.cancel()
    pressured: dict[str, Any] | BaseException
    [pressured] = await asyncio.gather(pressure, return_exceptions=True)
    if isinstance(pressured, BaseException):
        raise pressured
    p50, p99 = percentile(alone, 0.5), percentile(alone, 0.99)
    g50, g99 = percentile(guessed, 0.5), percentile(guessed, 0.99)
    return {
        **pressured,
        "p50_ms_alone": round(p50, 2),
        "p99_ms_alone": round(p99, 2),
        "p50_ms_guessed": round(g50, 2),
        "p99_ms_guessed": round(g99, 2),
        "p50_ratio": round(g50 / p50, 2),
        "errors": pressured["password_check_failures"],
    }


async def wrong_passwords(
    target: Target, room_id: str, per_second: float, connections: int = 16
) -> dict[str, Any]:
    """Wrong passwords for one room from one address at a steady rate until cancelled: how
    many were checked (401, argon2) and refused unhashed (429), and how fast refusals came."""
    raw = request_bytes(
        "POST", f"/chat/{room_id}/verify", target.host, {"password": "not the password"}
    )
    statuses: dict[int, int] = {}
    refused_latencies: list[int] = []

    def answered(status: int, latency_ns: int) -> None:
        if status == 429:
            refused_latencies.append(latency_ns)
        statuses[status] = statuses.get(status, 0) + 1

    elapsed, skipped = await _offer_requests(target, raw, per_second, connections, answered)
    count = sum(statuses.values())
    return {
        "guesses_offered_per_s": per_second,
        "guesses_answered_per_s": round(count / elapsed, 1),
        "guesses_hashed": statuses.get(401, 0),  # checked with argon2 (bad_password)
        "guesses_refused": statuses.get(429, 0),  # refused by the limit, no hashing
        "refusal_p50_ms": round(percentile(refused_latencies, 0.5), 2),
        "refusal_p99_ms": round(percentile(refused_latencies, 0.99), 2),
        "guesses_skipped": skipped,
        "password_check_failures": count - statuses.get(401, 0) - statuses.get(429, 0),
    }


async def churn(target: Target, room_id: str) -> dict[str, Any]:
    """One guest identity connecting, joining `room_id` and closing, back to back, as fast
    as its limits allow (a refused connect is tried again at once), until cancelled."""
    token = await guest_token(target, room_id)
    stop = asyncio.Event()
    counts = {"cycles": 0, "refused": 0}

    async def cycle_until_stopped() -> None:
        stats = Stats()
        while not stop.is_set():
            try:
                conn = await connect(target.host, target.port, token, stats, timeout=10)
            except ConnectionError:
                counts["refused"] += 1
                await asyncio.sleep(0)
                continue
            try:
                ack = await conn.call("join", {"room": room_id})
                counts["cycles"] += bool(ack.get("ok"))
            finally:
                conn.close()

    # The cycles run in a task of their own, told to stop by an event: a cancellation
    # landing inside asyncio.wait_for (in connect) can be swallowed on Python 3.11.
    started = time.monotonic()
    cycling = asyncio.create_task(cycle_until_stopped())
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()
    stop.set()
    await cycling
    elapsed = time.monotonic() - started
    return {
        "churn_cycles_per_s": round(counts["cycles"] / elapsed, 1),
        "churn_refused_per_s": round(counts["refused"] / elapsed, 1),
    }
