"""The interleaved fixed-rate referee: our server against its bare ceiling, A, B, A, B...

Both servers run at once, pinned to the same core; only one is offered load at a time.
Each pair measures ours, then the bare ceiling, at the same fixed offered rate (well below
either's saturation), so a drift of the machine weighs on both sides of a pair alike.
Figures: the server's CPU per delivered message (1 x 50, 10 x 10) and per REST request,
read from /proc/<pid>/stat over the window, latency at that rate, and the REST closed loop
(32 keep-alive connections): req/s and p99. Reported per figure: both medians, their
spread (min-max) and the ratio of the medians.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import scenarios as sc
from bench.httpload import HttpConnection, closed_loop, request_bytes
from bench.mixed import settle
from bench.servers import Server, bare, securechat
from bench.sioclient import SioConnection, Stats

Groups = list[tuple[str, list[SioConnection]]]

# Offered rates: far below either server's saturation on this machine (docs/performance.md).
RATE_1X50 = 200.0  # messages/s: 10,000 deliveries/s
RATE_10X10 = 300.0  # messages/s: 3,000 deliveries/s
RATE_REST = 300.0  # requests/s, over REST_PACED connections
REST_PACED = 8
REST_CLOSED = 32


class Side:
    """One server of the pair and what the referee keeps open on it."""

    def __init__(self, name: str, server: Server, secured: bool) -> None:
        self.name = name
        self.server = server
        self.target = sc.Target(server, secured)
        self.stats_1x50, self.stats_10x10 = Stats(), Stats()
        self.groups_1x50: Groups = []
        self.groups_10x10: Groups = []
        self.post = b""

    async def open(self) -> None:
        target = self.target
        self.groups_1x50 = await sc.join_clients(target, 1, 50, self.stats_1x50)
        self.groups_10x10 = await sc.join_clients(target, 10, 10, self.stats_10x10)
        room_id, token = await target.room()
        body = {"message": "x" * 64}
        self.post = request_bytes("POST", f"/chat/{room_id}", target.host, body, token)

    def close(self) -> None:
        for _, conns in self.groups_1x50 + self.groups_10x10:
            for conn in conns:
                conn.close()


async def _fanout_window(
    side: Side, groups: Groups, stats: Stats, rate: float, seconds: float
) -> dict[str, float]:
    """Offer `rate` messages/s for `seconds`; the server's CPU until every delivery is in."""
    per_room = len(groups[0][1])
    stats.reset()
    stats.record = True
    cpu0 = side.server.cpu_seconds()
    sent = await sc.offer(groups, rate, seconds, 64)
    await sc.drain(stats, sent * per_room)
    cpu = side.server.cpu_seconds() - cpu0
    lat = stats.latencies_ns
    return {
        "cpu_us_per_delivery": 1e6 * cpu / max(1, stats.received),
        "p50_ms": sc.percentile(lat, 0.50),
        "p99_ms": sc.percentile(lat, 0.99),
        "errors": stats.acks_error + max(0, sent * per_room - stats.received),
    }


async def paced_rest(side: Side, rate: float, seconds: float) -> dict[str, float]:
    """`rate` posts/s over REST_PACED keep-alive connections, each on its own schedule."""
    target = side.target
    period = REST_PACED / rate
    done = errors = 0
    start = time.monotonic() + 0.05

    async def worker(index: int) -> None:
        nonlocal done, errors
        conn = await HttpConnection.open(target.host, target.port)
        try:
            due = start + index / rate
            while due < start + seconds:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                status, _ = await conn.roundtrip(side.post)
                done += 1
                errors += status != 201
                due += period
        finally:
            conn.close()

    cpu0 = side.server.cpu_seconds()
    await asyncio.gather(*(worker(i) for i in range(REST_PACED)))
    cpu = side.server.cpu_seconds() - cpu0
    return {"cpu_us_per_request": 1e6 * cpu / max(1, done), "errors": errors}


async def closed_rest(side: Side, seconds: float) -> dict[str, float]:
    target = side.target
    out = await closed_loop(target.host, target.port, side.post, REST_CLOSED, seconds, 201)
    return {
        "req_per_s": out["requests"] / out["elapsed"],
        "p99_ms": sc.percentile(out["latencies"], 0.99),
        "errors": out["errors"],
    }


def load_average() -> float:
    """The machine's 1-minute load average (/proc/loadavg)."""
    with open("/proc/loadavg") as loadavg:
        return float(loadavg.read().split()[0])


def summary(ours: list[float], bare_: list[float]) -> dict[str, Any]:
    """Both sides' medians, spreads (min-max) and the ratio of the medians."""
    a, b = statistics.median(ours), statistics.median(bare_)
    return {
        "ours": round(a, 2),
        "ours_spread": [round(min(ours), 2), round(max(ours), 2)],
        "bare": round(b, 2),
        "bare_spread": [round(min(bare_), 2), round(max(bare_), 2)],
        "ratio": round(a / b, 2) if b else None,
        "pair_ratios": [round(x / y, 2) if y else None for x, y in zip(ours, bare_, strict=True)],
    }


async def pairs_of(sides: tuple[Side, Side], profile: sc.Profile, measure: Any) -> dict[str, Any]:
    """`measure(side)` on ours, then the bare ceiling, `pairs` times: figures by side."""
    runs: dict[str, list[dict[str, float]]] = {side.name: [] for side in sides}
    pairs = profile.referee_pairs
    load_before = load_average()
    for _ in range(pairs):
        for side in sides:
            if profile.referee_settle:
                await settle(side.server, timeout=5.0)
            runs[side.name].append(await measure(side))
    ours, bare_ = (runs[side.name] for side in sides)
    keys = [k for k in ours[0] if k != "errors"]
    row: dict[str, Any] = {k: summary([r[k] for r in ours], [r[k] for r in bare_]) for k in keys}
    row["pairs"] = pairs
    # The machine's 1-minute load average before and after: CPU per delivery depends on it
    # (docs/performance.md, the referee), so a figure goes with the load it was taken under.
    row["load_average"] = [load_before, load_average()]
    row["errors"] = int(sum(r["errors"] for r in ours + bare_))
    return row


async def referee(runtime: str, profile: sc.Profile) -> list[tuple[str, dict[str, Any]]]:
    """The referee's rows: fanout 1 x 50 and 10 x 10, REST at a fixed rate and closed loop."""
    seconds = profile.referee_s
    with tempfile.TemporaryDirectory(prefix=f"bench-{runtime}-referee-") as tmp:
        ours = Side("ours", securechat(runtime, Path(tmp)), secured=True)
        try:
            ceiling = Side("bare", bare(runtime), secured=False)
        except BaseException:
            ours.server.stop()
            raise
        sides = (ours, ceiling)
        try:
            for side in sides:
                await side.open()

            def fanout(rooms: str, rate: float) -> Any:
                async def one(side: Side) -> dict[str, float]:
                    groups = side.groups_1x50 if rooms == "1x50" else side.groups_10x10
                    stats = side.stats_1x50 if rooms == "1x50" else side.stats_10x10
                    return await _fanout_window(side, groups, stats, rate, seconds)

                return one

            rows = [
                ("referee_fanout_1x50", await pairs_of(sides, profile, fanout("1x50", RATE_1X50))),
                (
                    "referee_fanout_10x10",
                    await pairs_of(sides, profile, fanout("10x10", RATE_10X10)),
                ),
                (
                    "referee_rest_paced",
                    await pairs_of(sides, profile, lambda s: paced_rest(s, RATE_REST, seconds)),
                ),
                (
                    "referee_rest_closed",
                    await pairs_of(sides, profile, lambda s: closed_rest(s, seconds)),
                ),
            ]
            rates = {
                "referee_fanout_1x50": RATE_1X50,
                "referee_fanout_10x10": RATE_10X10,
                "referee_rest_paced": RATE_REST,
            }
            for name, row in rows:
                row["offered_per_s"] = rates.get(name)
                row["window_s"] = seconds
            return rows
        finally:
            for side in sides:
                side.close()
                side.server.stop()
