"""Rate limits: how many attempts a key may make under a named rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# One limit to count an attempt under: a rule's name and the key it counts by.
Check = tuple[str, tuple[str, ...]]


class RateLimiter(Protocol):
    def attempt(self, checks: Sequence[Check]) -> float:
        """Count one attempt under every check, if every one allows it: 0.0. Otherwise
        nothing is counted, and the result is the seconds until all would allow it. A rule
        the limiter was not given limits nothing."""
        ...
