"""The cluster rows (issue 20): the fanout rows with SECURECHAT_REDIS_URL, on one process
of a runtime and on two, side by side.

Both sides run with Redis (the Socket.IO manager's channel, presence and limits there), on
one database (a SQLite file both processes share, or `--database`), so the ratio is what
a second process adds, not what Redis costs. Each process is pinned to a core of its own:
on a two-core machine the second process shares its core with the load generator, so the
figure is the ratio, not the absolute rate. The rooms' clients are spread over the
processes in turn, so each message is broadcast across the processes through Redis.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

import redis

from bench import scenarios as sc
from bench import servers
from bench.servers import CPUS, Server, securechat

REDIS_URL = "redis://127.0.0.1:6379/0"


class ClusterTarget(sc.Target):
    """Several processes as one target: rooms are made on the first, clients connect to
    each in turn, and the server CPU is theirs together."""

    def __init__(self, nodes: list[Server]) -> None:
        super().__init__(nodes[0], secured=True)
        self.nodes = nodes
        self.server = _Together(nodes)  # type: ignore[assignment]  # cpu_seconds only

    def address(self, index: int) -> tuple[str, int]:
        node = self.nodes[index % len(self.nodes)]
        return node.host, node.port


class _Together:
    def __init__(self, nodes: list[Server]) -> None:
        self.nodes = nodes

    def cpu_seconds(self) -> float:
        return sum(node.cpu_seconds() for node in self.nodes)


def _drop(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


async def cluster_rows(runtime: str, profile: sc.Profile, settle: Any) -> list[dict[str, Any]]:
    """fanout 1 x 50 and 10 x 10 on 1 then 2 processes with Redis; each 2-process row
    carries its ratio to the 1-process one."""
    rows: list[dict[str, Any]] = []
    for processes in (1, 2):
        prefix = "bench-" + secrets.token_hex(4)
        with tempfile.TemporaryDirectory(prefix=f"bench-{runtime}-cluster-") as tmp:
            env = {"SECURECHAT_REDIS_URL": REDIS_URL, "SECURECHAT_REDIS_PREFIX": prefix}
            if not servers.DATABASE_URL:  # one SQLite file for every process
                env["SECURECHAT_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'chat.db'}"
                env["SECURECHAT_AUTO_MIGRATE"] = "true"
            nodes: list[Server] = []
            try:
                for index in range(processes):  # one after the other: the first migrates
                    cpus = {CPUS[index % len(CPUS)]}
                    nodes.append(securechat(runtime, Path(tmp), env, cpus))
                target = ClusterTarget(nodes)
                for rooms, per_room in ((1, 50), (10, 10)):
                    for node in nodes:
                        await settle(node)
                    row = await sc.fanout(target, rooms, per_room, profile)
                    row["processes"] = processes
                    row["errors"] += sum(node.tracebacks() for node in nodes)
                    rows.append(
                        {"scenario": f"fanout_{rooms}x{per_room}_redis_{processes}p", **row}
                    )
            finally:
                for node in nodes:
                    node.stop()
                _drop(prefix)
    for row in rows:
        if row["processes"] == 2:
            one = next(r for r in rows if r["scenario"] == row["scenario"].replace("_2p", "_1p"))
            if one.get("saturation_deliveries_per_s"):
                row["ratio_to_1p"] = round(
                    row["saturation_deliveries_per_s"] / one["saturation_deliveries_per_s"], 2
                )
    return rows
