"""`python -m bench`: benchmark both runtimes against their bare ceilings.

The server under test is pinned to one core (taskset), this load generator to another.
Prints a table and JSON lines (also written to bench/results/). Exits 1 if any scenario
saw an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import history_rows as hr
from bench import pressure as pr
from bench import scenarios as sc
from bench import servers
from bench.cluster import cluster_rows
from bench.mixed import churn, guessing, measure, settle
from bench.recovery import recovery
from bench.referee import referee
from bench.servers import bare, cpu_sets, securechat

ALL = (
    "fanout",
    "rest_post",
    "recovery",
    "history",
    "pruning",
    "connections",
    "crypto",
    "guessing",
    "churn",
    "bare",
    "cluster",
    "referee",
)


def _loop() -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass


async def run_runtime(runtime: str, profile: sc.Profile, only: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def emit(scenario: str, result: dict[str, Any]) -> None:
        row = {"scenario": scenario, "runtime": runtime, **result}
        out.append(row)
        print(json.dumps(row), flush=True)

    with tempfile.TemporaryDirectory(prefix=f"bench-{runtime}-") as tmp:
        data_dir = Path(tmp)
        server = securechat(runtime, data_dir)
        try:
            target = sc.Target(server, secured=True)
            warm_room, warm_token = await target.room()
            empty_rss = server.rss_kib()
            history_rooms: dict[int, tuple[str, str]] = {}
            if "history" in only:
                for size in profile.history_sizes:
                    history_rooms[size] = await target.room()
            # Rooms held at their own message limit, prefilled to it below.
            pruning_rooms: dict[int, tuple[str, str]] = {}
            if "pruning" in only:
                for size in profile.pruning_sizes:
                    room_id, token = await target.room()
                    await hr.set_message_limit(target, room_id, token, size)
                    pruning_rooms[size] = (room_id, token)
            base_1x50: dict[str, Any] = {}
            if "fanout" in only or "crypto" in only:
                await settle(server)
                base_1x50 = await measure(sc.fanout(target, 1, 50, profile))
                emit("fanout_1x50", base_1x50)
            if "fanout" in only:
                await settle(server)
                emit("fanout_10x10", await measure(sc.fanout(target, 10, 10, profile)))
            if "crypto" in only:
                await settle(server)
                room_id, _ = await target.room()
                pressured = await measure(
                    sc.fanout(
                        target,
                        1,
                        50,
                        profile,
                        pressure=lambda: pr.password_pressure(target, room_id, 20.0),
                        at_rate=base_1x50["latency_rate_msgs_per_s"],
                    )
                )
                pressured["p99_ms_without"] = base_1x50["p99_ms"]
                pressured["p99_ratio"] = round(pressured["p99_ms"] / base_1x50["p99_ms"], 2)
                emit("fanout_1x50_password_pressure", pressured)
                await settle(server)
                guessed_room, _ = await target.room()
                guessed = await measure(
                    sc.fanout(
                        target,
                        1,
                        50,
                        profile,
                        pressure=lambda: pr.password_guessers(target, guessed_room),
                        at_rate=base_1x50["latency_rate_msgs_per_s"],
                    )
                )
                guessed["p99_ms_without"] = base_1x50["p99_ms"]
                guessed["p99_ratio"] = round(guessed["p99_ms"] / base_1x50["p99_ms"], 2)
                emit("fanout_1x50_8_guessers", guessed)
                await settle(server)
                emit(
                    "history_8_guessers", await measure(pr.history_under_guessing(target, profile))
                )
            if "rest_post" in only:
                await settle(server)
                emit("rest_post", await measure(sc.rest_post(target, profile)))
            if "recovery" in only:
                await settle(server)
                emit("recovery", await measure(recovery(target, profile)))
            if "connections" in only:
                await settle(server)
                emit("connections", await measure(sc.connections(target, profile)))
        finally:
            server.stop()
        if server.tracebacks():
            emit(
                "server_log",
                {"errors": server.tracebacks(), "tail": "".join(server.stderr_lines[-20:])},
            )

        if history_rooms or pruning_rooms:
            from bench.prefill import prefill

            t0 = time.monotonic()
            url = servers.DATABASE_URL
            history = {size: room for size, (room, _) in history_rooms.items()}
            middles = prefill(data_dir, history, url)
            prefill_s = round(time.monotonic() - t0, 1)
            t0 = time.monotonic()
            prefill(data_dir, {size: room for size, (room, _) in pruning_rooms.items()}, url)
            pruning_prefill_s = round(time.monotonic() - t0, 1)
            server = securechat(runtime, data_dir)
            try:
                target = sc.Target(server, secured=True)
                if history_rooms:
                    rooms = {
                        size: (room, token, middles[size])
                        for size, (room, token) in history_rooms.items()
                    }
                    result = await measure(hr.history(target, rooms, profile))
                    result["prefill_s"] = prefill_s
                    result["rss_empty_server_mib"] = round(empty_rss / 1024, 1)
                    result["rss_with_history_mib"] = round(server.rss_kib() / 1024, 1)
                    result["rss_growth_mib"] = round((server.rss_kib() - empty_rss) / 1024, 1)
                    emit("history", result)
                if pruning_rooms:
                    await settle(server)
                    result = await measure(hr.pruning(target, pruning_rooms, profile))
                    result["prefill_s"] = pruning_prefill_s
                    emit("pruning", result)
            finally:
                server.stop()
            if server.tracebacks():
                emit(
                    "server_log",
                    {"errors": server.tracebacks(), "tail": "".join(server.stderr_lines[-20:])},
                )

    if "guessing" in only:
        emit("fanout_1x50_200_wrong_passwords", await guessing(runtime, profile))

    if "churn" in only:
        emit("fanout_1x100_churn", await churn(runtime, profile))

    if "referee" in only:  # ours and its bare ceiling, A, B, A, B (bench/referee.py)
        for scenario, row in await referee(runtime, profile):
            emit(scenario, row)

    if "cluster" in only:  # with Redis: 2 processes against 1 (bench/cluster.py)
        for row in await cluster_rows(runtime, profile, settle):
            emit(row.pop("scenario"), row)

    if "bare" in only:
        for room_count, per_room in ((1, 50), (10, 10)):
            ceiling = bare(runtime)
            try:
                result = await measure(
                    sc.fanout(sc.Target(ceiling, secured=False), room_count, per_room, profile)
                )
            finally:
                ceiling.stop()
            ours = next(
                (r for r in out if r["scenario"] == f"fanout_{room_count}x{per_room}"), None
            )
            if ours and result.get("saturation_deliveries_per_s"):
                result["ratio_ours_to_bare"] = round(
                    ours["saturation_deliveries_per_s"] / result["saturation_deliveries_per_s"], 2
                )
            emit(f"bare_fanout_{room_count}x{per_room}", result)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runtime", choices=("flask", "quart", "both"), default="both")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="every scenario, small (< 2 min)")
    size.add_argument(
        "--smoke", action="store_true", help="every scenario, tiny: checks it runs (the tests)"
    )
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(ALL)}")
    parser.add_argument(
        "--database",
        help="a database URL every server stores in, migrated on start (e.g. an empty "
        "Postgres schema); default: a fresh SQLite file per server",
    )
    args = parser.parse_args(argv)
    servers.DATABASE_URL = args.database
    only = set(args.only.split(",")) if args.only else set(ALL)
    profile = sc.SMOKE if args.smoke else sc.QUICK if args.quick else sc.FULL
    kind = "-smoke" if args.smoke else "-quick" if args.quick else ""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 10,000 client sockets
    _, load_cpus = cpu_sets()
    os.sched_setaffinity(0, load_cpus)
    _loop()
    header = {
        "scenario": "machine",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "smoke": args.smoke,
        "database": "sqlite" if not args.database else args.database.split(":", 1)[0],
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    print(json.dumps(header), flush=True)
    rows: list[dict[str, Any]] = [header]
    runtimes = ("flask", "quart") if args.runtime == "both" else (args.runtime,)
    for runtime in runtimes:
        rows += asyncio.run(run_runtime(runtime, profile, only))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"{stamp}{kind}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    print("\n" + table(rows))
    failed = [r for r in rows if r.get("errors")]
    for row in failed:
        print(f"ERRORS in {row['scenario']} ({row['runtime']}): {row['errors']}", file=sys.stderr)
    return 1 if failed else 0


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'scenario':<32} {'runtime':<7} figures"]
    for row in rows[1:]:
        figures = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("scenario", "runtime"))
        lines.append(f"{row['scenario']:<32} {row['runtime']:<7} {figures}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
