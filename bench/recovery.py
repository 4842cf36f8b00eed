"""The recovery scenario: a client rejoins a room with `since`, 1,000 changes behind."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.scenarios import Profile, Target, percentile
from bench.sioclient import Stats, connect, stamped

MISSED = 1_000  # SECURECHAT_RECOVERY_LIMIT's default: the most one recovery gives
BURST = 50  # messages in flight at once while the room is filled


async def recovery(target: Target, profile: Profile) -> dict[str, Any]:
    """Fill a room with MISSED changes after a client's offset, then time fresh sockets joining
    with that `since` to their ack, which must hold them all, in order."""
    # What is timed: one indexed read of the stream and the messages' decryption.
    room_id, token = await target.room()
    stats = Stats()
    writer = await connect(target.host, target.port, token, stats)
    errors = 0
    try:
        seen = await writer.call("join", {"room": room_id})
        since = {"offset": seen["offset"], "epoch": seen["epoch"]}
        fill_start = time.monotonic()
        for start in range(0, MISSED, BURST):
            acks = await asyncio.gather(
                *(
                    writer.call("message", {"room": room_id, "message": stamped(64)})
                    for _ in range(min(BURST, MISSED - start))
                )
            )
            errors += sum(1 for ack in acks if not ack.get("ok"))
        fill_s = time.monotonic() - fill_start
        joins = max(5, profile.history_requests // 8)
        latencies: list[int] = []
        size = 0
        for _ in range(joins + 2):  # the first two warm up
            conn = await connect(target.host, target.port, token, stats)
            try:
                begin = time.monotonic_ns()
                ack = await conn.call("join", {"room": room_id, "since": since}, timeout=30)
                latencies.append(time.monotonic_ns() - begin)
            finally:
                conn.close()
            offsets = [c["data"]["offset"] for c in ack.get("missed", ())]
            if not ack.get("recovered") or offsets != list(range(since["offset"] + 1, MISSED + 1)):
                errors += 1
            size = max(size, len(str(ack)))
    finally:
        writer.close()
    latencies = latencies[2:]
    return {
        "missed": MISSED,
        "joins": len(latencies),
        "ack_p50_ms": round(percentile(latencies, 0.5), 2),
        "ack_p99_ms": round(percentile(latencies, 0.99), 2),
        "ack_kib": round(size / 1024, 1),
        "fill_changes_per_s": round(MISSED / fill_s),
        "errors": errors,
    }
