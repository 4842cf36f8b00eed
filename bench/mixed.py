"""Paired runs: a fanout's p99 at half load without and with load beside it (wrong
passwords, a churning identity), alternating so the machine's drift weighs on both."""

from __future__ import annotations

import asyncio
import functools
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import pressure as pr
from bench import scenarios as sc
from bench.servers import BENCH_IDENTITY_LIMITS, CHURN_RATE_LIMITS, securechat


async def measure(coro: Any) -> dict[str, Any]:
    """Run a scenario and add the load generator's CPU use over it."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    result: dict[str, Any] = await coro
    wall = time.monotonic() - wall0
    result["loadgen_cpu_pct"] = round(100 * (time.process_time() - cpu0) / wall, 1)
    result["seconds"] = round(wall, 1)
    return result


async def settle(server: Any, timeout: float = 30.0) -> None:
    """Wait until the server is idle (under 10% CPU over half a second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        await asyncio.sleep(0.5)
        if server.cpu_seconds() - before < 0.05:
            return


async def guessing(runtime: str, profile: sc.Profile) -> dict[str, Any]:
    """Fanout 1 x 50 p99 at half load without and with one address offering 200 wrong
    passwords a second to one room's verify (password limits at their defaults)."""
    # Once the limit holds, a guess must cost a refusal, never argon2. Only the per-identity
    # limits are raised, as everywhere in the bench. The runs alternate (without, with,
    # without, with) and the ratio is of their means, so a drift of the machine over the
    # minute weighs on both sides alike.
    with tempfile.TemporaryDirectory(prefix=f"bench-{runtime}-guessing-") as tmp:
        server = securechat(runtime, Path(tmp), {"SECURECHAT_RATE_LIMITS": BENCH_IDENTITY_LIMITS})
        try:
            target = sc.Target(server, secured=True)
            await target.room()
            await settle(server)
            seconds = max(profile.latency_s, profile.floor_s)  # every latency run alike
            search = await measure(sc.fanout(target, 1, 50, profile, latency_s=seconds))
            rate = search["latency_rate_msgs_per_s"]
            guessed_room, _ = await target.room()
            withouts, withs = [search], []
            for turn in range(2):
                await settle(server)
                withs.append(
                    await measure(
                        sc.fanout(
                            target,
                            1,
                            50,
                            profile,
                            pressure=lambda: pr.wrong_passwords(target, guessed_room, 200.0),
                            at_rate=rate,
                            latency_s=seconds,
                            # The limit lets the first guesses through to argon2 (10 a
                            # minute for one room and address): they are hashed in this
                            # second, and the window measures the guessing it refuses.
                            pressure_lead_s=1.0,
                        )
                    )
                )
                if turn == 0:
                    await settle(server)
                    withouts.append(
                        await measure(
                            sc.fanout(target, 1, 50, profile, at_rate=rate, latency_s=seconds)
                        )
                    )
        finally:
            server.stop()
    p99_with = sum(r["p99_ms"] for r in withs) / len(withs)
    p99_without = sum(r["p99_ms"] for r in withouts) / len(withouts)
    last = withs[-1]
    return {
        "rooms": 1,
        "clients_per_room": 50,
        "saturation_deliveries_per_s": search["saturation_deliveries_per_s"],
        "latency_rate_msgs_per_s": rate,
        "guesses_offered_per_s": last["guesses_offered_per_s"],
        "guesses_answered_per_s": min(r["guesses_answered_per_s"] for r in withs),
        "guesses_hashed": sum(r["guesses_hashed"] for r in withs),
        "guesses_refused": sum(r["guesses_refused"] for r in withs),
        "guesses_skipped": sum(r["guesses_skipped"] for r in withs),
        "refusal_p50_ms": last["refusal_p50_ms"],
        "refusal_p99_ms": last["refusal_p99_ms"],
        "password_check_failures": sum(r["password_check_failures"] for r in withs),
        "p50_ms": round(sum(r["p50_ms"] for r in withs) / len(withs), 2),
        "p99_ms": round(p99_with, 2),
        "p99_ms_runs": [r["p99_ms"] for r in withs],
        "p50_ms_without": round(sum(r["p50_ms"] for r in withouts) / len(withouts), 2),
        "p99_ms_without": round(p99_without, 2),
        "p99_ms_without_runs": [r["p99_ms"] for r in withouts],
        "p99_ratio": round(p99_with / p99_without, 2),
        "errors": sum(r["errors"] for r in (*withouts, *withs)) + server.tracebacks(),
    }


async def churn(runtime: str, profile: sc.Profile) -> dict[str, Any]:
    """A room of 100 listeners, each its own identity, p99 at half load without and with one
    more identity connecting, joining and closing as fast as connect_user (default) allows."""
    # Runs alternate (without, with, without, with) and the ratio is of their means; the bytes
    # the listeners read and the server's CPU, per second, are each run's latency window's.
    with tempfile.TemporaryDirectory(prefix=f"bench-{runtime}-churn-") as tmp:
        server = securechat(runtime, Path(tmp), {"SECURECHAT_RATE_LIMITS": CHURN_RATE_LIMITS})
        try:
            target = sc.Target(server, secured=True)
            room = await target.room()
            await settle(server)
            seconds = max(profile.latency_s, profile.floor_s)
            search = await measure(
                sc.fanout(target, 1, 100, profile, latency_s=seconds, room=room, identities=True)
            )
            rate = search["latency_rate_msgs_per_s"]
            withouts, withs = [search], []
            for turn in range(2):
                churner = await sc.guest_token(target, room[0])
                await settle(server)
                withs.append(
                    await measure(
                        sc.fanout(
                            target,
                            1,
                            100,
                            profile,
                            pressure=functools.partial(pr.churn, target, room[0], churner),
                            at_rate=rate,
                            latency_s=seconds,
                            room=room,
                            identities=True,
                        )
                    )
                )
                if turn == 0:
                    await settle(server)
                    withouts.append(
                        await measure(
                            sc.fanout(
                                target,
                                1,
                                100,
                                profile,
                                at_rate=rate,
                                latency_s=seconds,
                                room=room,
                                identities=True,
                            )
                        )
                    )
        finally:
            server.stop()

    def mean(rows: list[dict[str, Any]], key: str) -> float:
        return float(sum(r[key] for r in rows)) / len(rows)

    p99_with, p99_without = mean(withs, "p99_ms"), mean(withouts, "p99_ms")
    return {
        "rooms": 1,
        "clients_per_room": 100,
        "saturation_deliveries_per_s": search["saturation_deliveries_per_s"],
        "latency_rate_msgs_per_s": rate,
        "churn_cycles_per_s": round(mean(withs, "churn_cycles_per_s"), 1),
        "churn_refused_per_s": round(mean(withs, "churn_refused_per_s"), 1),
        "received_kib_per_s": round(mean(withs, "received_kib_per_s"), 1),
        "received_kib_per_s_without": round(mean(withouts, "received_kib_per_s"), 1),
        # Of it, what presence took (status, online_count, presence_update): the churn's cost.
        "presence_kib_per_s": round(mean(withs, "presence_kib_per_s"), 2),
        "presence_kib_per_s_without": round(mean(withouts, "presence_kib_per_s"), 2),
        "server_cpu_pct": round(mean(withs, "server_cpu_pct"), 1),
        "server_cpu_pct_without": round(mean(withouts, "server_cpu_pct"), 1),
        "p50_ms": round(mean(withs, "p50_ms"), 2),
        "p99_ms": round(p99_with, 2),
        "p99_ms_runs": [r["p99_ms"] for r in withs],
        "p99_ms_without": round(p99_without, 2),
        "p99_ms_without_runs": [r["p99_ms"] for r in withouts],
        "p99_ratio": round(p99_with / p99_without, 2),
        "errors": sum(r["errors"] for r in (*withouts, *withs)) + server.tracebacks(),
    }
