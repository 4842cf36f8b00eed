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


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_ends_one_period_after_its_first_attempt() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter({"tries": "2/10 seconds"}, clock)
    assert limiter.attempt([("tries", ("a",))]) == 0.0
    clock.now += 4
    assert limiter.attempt([("tries", ("a",))]) == 0.0
    assert limiter.attempt([("tries", ("a",))]) == 6.0  # the window ends 10 s after its start
    clock.now += 6
    assert limiter.attempt([("tries", ("a",))]) == 0.0  # a new window


def test_keys_are_forgotten_once_their_window_ends() -> None:
    """Memory holds only the keys attempted within one period, however many came before
    (one per guessed room id, per address, per identity)."""
    clock = FakeClock()
    limiter = MemoryRateLimiter({"tries": "5/minute", "slow": "5/hour"}, clock)
    for index in range(1000):
        assert limiter.attempt([("tries", (f"k{index}",))]) == 0.0
    limiter.attempt([("slow", ("kept",))])
    assert len(limiter.storage) == 1001
    clock.now += 60
    assert limiter.attempt([("tries", ("new",))]) == 0.0
    assert len(limiter.storage) == 2  # "new", and "kept" whose hour is not over
    clock.now += 3600
    limiter.attempt([("tries", ("newer",))])
    assert len(limiter.storage) == 1


def test_a_key_attempted_again_after_its_window_starts_afresh() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter({"tries": "1/minute"}, clock)
    assert limiter.attempt([("tries", ("a",))]) == 0.0
    assert limiter.attempt([("tries", ("a",))]) == 60.0
    clock.now += 61
    assert limiter.attempt([("tries", ("a",))]) == 0.0
    assert limiter.attempt([("tries", ("a",))]) == 60.0
