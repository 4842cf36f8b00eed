"""Metrics in Prometheus's format with prometheus_client (ports.metrics.Metrics).

The hot path only appends a tuple to a deque (atomic, no lock: safe on an event loop and
from any thread); `flush`, in a worker (the sweep every second, each scrape), moves them
into prometheus_client's metrics, whose values take a lock. With PROMETHEUS_MULTIPROC_DIR
set (before start, emptied between runs: prometheus_client's multiprocess mode), each
process writes its values to files there and a scrape of any process reads them all.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Noted facts awaiting a flush; past this many (no sweep, no scrape) the oldest are dropped.
PENDING_MAX = 1_000_000
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PrometheusMetrics:
    def __init__(self, allow: Sequence[str] = (), token: str | None = None) -> None:
        self._allow = tuple(ipaddress.ip_network(a, strict=False) for a in allow)
        self._token = token.encode() if token else None
        self._pending: deque[tuple[Any, str, float]] = deque(maxlen=PENDING_MAX)
        self._flushing = threading.Lock()  # taken by workers only
        self._census: tuple[int, int] | None = None
        registry = self._registry = CollectorRegistry()
        self._events = Counter(
            "securechat_socket_events",
            "Socket events received, by event.",
            ["event"],
            registry=registry,
        )
        self._messages = Counter(
            "securechat_messages",
            "Messages stored and acknowledged, by how they came (socket, rest).",
            ["via"],
            registry=registry,
        )
        self._refusals = Counter(
            "securechat_refusals",
            "Answers refused with an error code (HTTP, socket acks, connects), by code.",
            ["code", "surface"],
            registry=registry,
        )
        self._limited = Counter(
            "securechat_rate_limit_refusals",
            "Refusals over a rate limit (`rate_limited`), by surface.",
            ["surface"],
            registry=registry,
        )
        self._db_errors = Counter(
            "securechat_database_errors",
            "Units of work that could not reach the database.",
            registry=registry,
        )
        self._ack = Histogram(
            "securechat_send_ack_seconds",
            "From a message's arrival to its acknowledgement (stored), by how it came.",
            ["via"],
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self._connections = Gauge(
            "securechat_connections",
            "Live sockets.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._joined = Gauge(
            "securechat_joined_rooms",
            "Rooms joined by live sockets (one per socket and room).",
            multiprocess_mode="livesum",
            registry=registry,
        )

    # -- the hot path: one append ----------------------------------------------------------

    def event(self, name: str) -> None:
        self._pending.append((self._events, name, 1.0))

    def message(self, via: str, seconds: float) -> None:
        self._pending.append((self._messages, via, 1.0))
        self._pending.append((self._ack, via, seconds))

    def refused(self, code: str, surface: str) -> None:
        self._pending.append((self._refusals, f"{code}\0{surface}", 1.0))
        if code == "rate_limited":
            self._pending.append((self._limited, surface, 1.0))

    def database_error(self) -> None:
        self._pending.append((self._db_errors, "", 1.0))

    def census(self, connections: int, joined_rooms: int) -> None:
        self._census = (connections, joined_rooms)  # one assignment: atomic

    # -- in a worker ------------------------------------------------------------------------

    def flush(self) -> None:
        with self._flushing:
            pending = self._pending
            for _ in range(len(pending)):
                metric, label, amount = pending.popleft()
                if metric is self._ack:
                    self._ack.labels(label).observe(amount)
                elif metric is self._db_errors:
                    self._db_errors.inc(amount)
                elif metric is self._refusals:
                    self._refusals.labels(*label.split("\0")).inc(amount)
                else:
                    metric.labels(label).inc(amount)
            if self._census is not None:
                connections, joined = self._census
                self._connections.set(connections)
                self._joined.set(joined)

    def admits(self, client: str, bearer: str | None) -> bool:
        if (
            self._token is not None
            and bearer is not None
            and hmac.compare_digest(bearer.encode(), self._token)
        ):
            return True
        if not self._allow or not client:
            return False
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in self._allow)

    def close(self) -> None:
        """At exit: in multiprocess mode, this process's live gauges leave the sum."""
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # untyped in prometheus_client

    def exposition(self) -> tuple[bytes, str]:
        self.flush()
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self._registry), CONTENT_TYPE_LATEST
