"""Who is in a room right now, and who is typing: per identity, not per connection.

One person with three tabs open is one entry; they leave the list when their last
connection goes. Typing is per identity too, and ends by itself `typing_s` after the last
"I am typing" unless a stop comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

# A `presence` event carries the list, so a room's list is cut at this many entries (the
# count stays exact): a join in a huge room never sends a megabyte to everyone.
PRESENCE_LIST_MAX = 500
# Typing lists are short by nature; the cap only bounds a pathological room.
TYPING_LIST_MAX = 50
DEFAULT_TYPING_S = 5


@dataclass(frozen=True, slots=True)
class Present:
    """One identity in a room, as others see it."""

    user_id: str
    username: str
    guest: bool = False


@dataclass(frozen=True, slots=True)
class Arrival:
    """A connection entered a room: `first` when its identity was not there before."""

    who: Present
    first: bool
    online: int  # identities in the room after


@dataclass(frozen=True, slots=True)
class Departure:
    """A connection left a room: `last` when it was its identity's last one (the identity
    is then gone from the list, and from the typing list if it was typing)."""

    who: Present
    last: bool
    online: int  # identities in the room after
    was_typing: bool = False


def listed(users: list[Present], cap: int) -> list[Present]:
    """A stable order for lists shown to people: by name, then id; at most `cap`."""
    return sorted(users, key=lambda p: (p.username.casefold(), p.user_id))[:cap]
