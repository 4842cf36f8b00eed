from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Slow, salted password hashing; verify compares in constant time."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...
