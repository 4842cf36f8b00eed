"""RateLimiter on the `limits` library, in this process's memory: a fixed window per key.

Rules are given as `limits` rate strings ("10/minute", "300 per hour"). A key's window starts
at its first attempt and ends one period later; within it the key may make the rule's number
of attempts (so over any span of one period, at most twice that number; over longer spans,
the rate). With SECURECHAT_REDIS_URL, `limits`' Redis storage takes the memory one's place,
so every process of a cluster counts on the same keys (adapters/redis/limits.py).

The storage is our own `limits` Storage, `ExpiringCounters`, not the library's
MemoryStorage, for two reasons measured on limits 5.8 (docs/security.md, Abuse limits):
its moving window never forgets a key (an emptied key stays in its dict: one entry per room
id a guesser ever tried), and it expires keys from a timer thread that walks every key each
10 ms while attempts come in (2.5 ms a pass at 10,000 keys: a quarter of a core, holding the
GIL the event loop needs). Here a key is forgotten when its window ends, by the attempt
that next finds it ended, at O(log n): memory holds only the keys attempted within one
period, and no thread runs.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Mapping, Sequence

from limits import RateLimitItem, parse
from limits.storage import Storage

from ports.limits import Check


class RuleError(ValueError):
    """A rate string `limits` cannot read."""


def parse_rule(text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as error:
        raise RuleError(f"{text!r} is not a rate such as '10/minute' ({error})") from None


class ExpiringCounters(Storage):
    """Fixed-window counters (what `limits`' FixedWindowRateLimiter needs of a storage), each
    dropped once its window has ended."""

    # Not locked: the limiter is called from one thread (the event loop, or gevent's hub).
    STORAGE_SCHEME = None  # not registered by URI: built directly

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._clock = clock
        self._counts: dict[str, list[float]] = {}  # key -> [count, end of its window]
        self._ends: list[tuple[float, str]] = []  # (end, key), soonest first

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def __len__(self) -> int:
        """Keys held (those attempted within their window)."""
        return len(self._counts)

    def _forget_ended(self, now: float) -> None:
        ends = self._ends
        while ends and ends[0][0] <= now:
            _, key = heapq.heappop(ends)
            entry = self._counts.get(key)
            if entry is not None and entry[1] <= now:
                del self._counts[key]

    def incr(self, key: str, expiry: int | float, amount: int = 1) -> int:
        now = self._clock()
        self._forget_ended(now)
        entry = self._counts.get(key)
        if entry is None:
            entry = self._counts[key] = [0, now + expiry]
            heapq.heappush(self._ends, (entry[1], key))
        entry[0] += amount
        return int(entry[0])

    def get(self, key: str) -> int:
        entry = self._counts.get(key)
        if entry is None or entry[1] <= self._clock():
            return 0
        return int(entry[0])

    def get_expiry(self, key: str) -> float:
        entry = self._counts.get(key)
        return entry[1] if entry is not None else self._clock()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        count = len(self._counts)
        self._counts.clear()
        self._ends.clear()
        return count

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)  # its heap entry finds nothing when it comes up


class FixedWindowLimiter:
    """`limits`' fixed window (test and hit, on the storage's `get` and `incr`), each key
    built once per attempt: it runs on every message. On any `limits` storage."""

    def __init__(
        self, rules: Mapping[str, str], storage: Storage, clock: Callable[[], float] = time.time
    ) -> None:
        self._rules = {name: parse_rule(text) for name, text in rules.items()}
        self._clock = clock
        self.storage = storage

    def attempt(self, checks: Sequence[Check]) -> float:
        rules, storage = self._rules, self.storage
        counted = [
            (item, "/".join((rule, *key)))
            for rule, key in checks
            if (item := rules.get(rule)) is not None
        ]
        wait = 0.0
        for item, key in counted:
            if storage.get(key) >= item.amount:
                wait = max(wait, 1.0, math.ceil(storage.get_expiry(key) - self._clock()))
        if wait:
            return wait
        for item, key in counted:
            storage.incr(key, item.get_expiry())
        return 0.0


class MemoryRateLimiter(FixedWindowLimiter):
    """The fixed window on this process's own counters (one process, no Redis)."""

    storage: ExpiringCounters

    def __init__(self, rules: Mapping[str, str], clock: Callable[[], float] = time.time) -> None:
        super().__init__(rules, ExpiringCounters(clock), clock)
