"""RateLimiter on the `limits` library, in this process's memory (a moving window per key).

Rules are given as `limits` rate strings ("10/minute", "300 per hour"). A Redis storage
can take the memory one's place when several processes must share the counts (roadmap)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

from limits import RateLimitItem, parse, storage, strategies

from ports.limits import Check


class RuleError(ValueError):
    """A rate string `limits` cannot read."""


def parse_rule(text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as error:
        raise RuleError(f"{text!r} is not a rate such as '10/minute' ({error})") from None


class MemoryRateLimiter:
    def __init__(self, rules: Mapping[str, str]) -> None:
        self._rules = {name: parse_rule(text) for name, text in rules.items()}
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def attempt(self, checks: Sequence[Check]) -> float:
        counted = [(self._rules[rule], rule, key) for rule, key in checks if rule in self._rules]
        wait = 0.0
        for item, rule, key in counted:
            if not self._limiter.test(item, rule, *key):
                reset = self._limiter.get_window_stats(item, rule, *key).reset_time
                wait = max(wait, 1.0, math.ceil(reset - time.time()))
        if wait:
            return wait
        for item, rule, key in counted:
            self._limiter.hit(item, rule, *key)
        return 0.0
