"""Stored history: reading pages of large rooms, and rooms kept at their message limit."""

from __future__ import annotations

import json
import time
from typing import Any

from bench.httpload import HttpConnection, closed_loop, request_bytes
from bench.scenarios import Profile, Target, percentile


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
