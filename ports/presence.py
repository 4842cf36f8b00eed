from __future__ import annotations

from typing import Protocol

from domain.model.presence import Arrival, Departure, Present


class PresenceStore(Protocol):
    """Who is connected to which room (per connection, listed per identity) and who is
    typing there. In one process's memory, or shared by a cluster's processes on Redis."""

    def enter(self, room_id: str, connection_id: str, who: Present) -> Arrival:
        """Record the connection in the room (again: no change, `first` False)."""
        ...

    def leave(self, room_id: str, connection_id: str) -> Departure | None:
        """Forget the connection; None if it was not there. Its identity's last connection
        also ends its typing."""
        ...

    def count(self, room_id: str) -> int:
        """Identities in the room."""
        ...

    def online(self, room_id: str) -> list[Present]:
        """Identities in the room, in no particular order."""
        ...

    def set_typing(self, room_id: str, user_id: str, until_ms: int | None) -> bool:
        """Mark the identity, if present in the room, typing until `until_ms` (None: stopped);
        True when the typing list changed (not on a refresh of someone typing already)."""
        ...

    def typing(self, room_id: str, now_ms: int) -> list[Present]:
        """Identities typing in the room at `now_ms`, in no particular order."""
        ...

    def expire_typing(self, now_ms: int) -> list[str]:
        """Forget typing that ran out by `now_ms`: the rooms whose typing list changed."""
        ...

    def sweep(self) -> list[tuple[str, Departure]]:
        """Once a second: forget the connections of processes that stopped without leaving,
        each with its room (in one process's memory, none)."""
        ...
