"""MemoryRateLimiter (the `limits` library in memory): a budget per rule and key, counted
only when every check of an attempt allows it."""

from __future__ import annotations

import pytest

from adapters.limits.memory import MemoryRateLimiter, RuleError


def test_a_key_gets_its_budget_then_a_wait() -> None:
    limiter = MemoryRateLimiter({"tries": "2/minute"})
    assert limiter.attempt([("tries", ("a",))]) == 0.0
    assert limiter.attempt([("tries", ("a",))]) == 0.0
    wait = limiter.attempt([("tries", ("a",))])
    assert 1.0 <= wait <= 60.0
    assert limiter.attempt([("tries", ("b",))]) == 0.0  # another key, its own budget


def test_a_refused_attempt_counts_under_no_rule() -> None:
    limiter = MemoryRateLimiter({"wide": "3/minute", "narrow": "1/minute"})
    both = [("wide", ("ip",)), ("narrow", ("ip", "room"))]
    assert limiter.attempt(both) == 0.0
    assert limiter.attempt(both) > 0  # narrow refuses: wide must not count it
    assert limiter.attempt(both) > 0
    assert limiter.attempt([("wide", ("ip",))]) == 0.0
    assert limiter.attempt([("wide", ("ip",))]) == 0.0  # 3 counted: the two refused did not
    assert limiter.attempt([("wide", ("ip",))]) > 0


def test_a_rule_it_was_not_given_limits_nothing() -> None:
    limiter = MemoryRateLimiter({})
    assert all(limiter.attempt([("anything", ("k",))]) == 0.0 for _ in range(100))


def test_a_rate_it_cannot_read_is_refused_at_start() -> None:
    with pytest.raises(RuleError, match="not a rate"):
        MemoryRateLimiter({"tries": "often"})
