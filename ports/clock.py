from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...


class IdGenerator(Protocol):
    def message_id(self) -> str:
        """A time-sortable, unique id (UUIDv7 string); later calls sort after earlier ones."""
        ...

    def incarnation(self) -> str: ...

    def guest_id(self) -> str:
        """A new guest identity, `g_<random>`."""
        ...

    def user_id(self) -> str:
        """A new account identity, `u_<UUIDv7>`."""
        ...

    def refresh_family_id(self) -> str:
        """A new refresh-token family (one sign-in), a UUIDv7 string."""
        ...

    def refresh_token(self) -> str:
        """A new opaque refresh token: 256 random bits, URL-safe. Never stored as is."""
        ...
