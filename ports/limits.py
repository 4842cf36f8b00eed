"""Rate limits: how many attempts a key may make under a named rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# One limit to count an attempt under: a rule's name and the key it counts by.
Check = tuple[str, tuple[str, ...]]


class RateLimiter(Protocol):
    def attempt(self, checks: Sequence[Check]) -> float:
        """Count one attempt under every check if all allow it (0.0); else count nothing and
        return the seconds until all would. A rule the limiter was not given limits nothing."""
        ...
