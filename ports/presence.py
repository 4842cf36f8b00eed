from __future__ import annotations

from typing import Protocol


class PresenceStore(Protocol):
    """Who is connected to which room, per connection."""

    def enter(self, room_id: str, connection_id: str, user_id: str) -> int:
        """Record the connection in the room; returns the number online after."""
        ...

    def leave(self, room_id: str, connection_id: str) -> int | None:
        """Forget the connection; the number online after, or None if it was not there."""
        ...

    def count(self, room_id: str) -> int: ...
