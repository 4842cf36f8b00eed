"""Load offered beside a fanout: password checks, guessers, a churning identity."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from bench.httpload import HttpConnection, request_bytes
from bench.scenarios import PASSWORD, Profile, Target, percentile
from bench.sioclient import Stats, connect


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
    seconds = max(profile.latency_s, min(3.0, profile.floor_s))
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


async def churn(target: Target, room_id: str, token: str) -> dict[str, Any]:
    """One guest identity (`token`, taken beforehand: a cancellation must find the cycles
    running) connecting, joining `room_id` and closing, as fast as its limits allow."""
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
