"""Presence changes, coalesced: a room hears at most one update per flush, as a delta.

An identity's arrival or departure used to send the room's whole list to every member: a
member's arrival cost O(members) bytes to each of O(members) listeners, and one identity
cycling its connection could push megabytes a second into a big room. Here each change is
noted (`note`, from ServerBase as the emits go out) and the runtime's once-a-second sweep
flushes them (`flush`): per room, one entry per identity that changed since the last flush,
however often it came and went: `status` for each that came or went, one `online_count`,
and one `presence_update` with who is there now (`joined`) and who is not (`left`). So a
room hears of one identity's churn at most once a flush. The whole list goes only to a
connection that joins (the `presence` event, socket_events.py).

Used from one thread (the event loop, or gevent's hub), so it takes no lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.presence import Present
from entrypoints.common.shapes import present_json
from entrypoints.common.socket_events import PRESENCE_NOTE, Emit, channel


@dataclass(slots=True)
class _Change:
    who: Present
    before: bool  # present at the last flush
    now: bool


class PresenceFanout:
    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, _Change]] = {}  # room -> user id -> change
        self._counts: dict[str, int] = {}  # room -> identities after its latest change

    def note(self, emit: Emit) -> None:
        """Hold a PRESENCE_NOTE emit (socket_events.emits_for) for the next flush."""
        assert emit.event == PRESENCE_NOTE, emit
        room_id, who, joined = emit.data["room"], emit.data["who"], emit.data["joined"]
        changes = self._rooms.setdefault(room_id, {})
        change = changes.get(who.user_id)
        if change is None:
            changes[who.user_id] = _Change(who, not joined, joined)
        else:
            change.who, change.now = who, joined
        self._counts[room_id] = emit.data["count"]

    def flush(self) -> list[Emit]:
        """The emits of every room's changes since the last flush; forgets them."""
        rooms, counts = self._rooms, self._counts
        self._rooms, self._counts = {}, {}
        out: list[Emit] = []
        for room_id, changes in rooms.items():
            # Came (or came back): listed in `joined`, its status told if it was not there.
            # Gone: in `left`, even when it came and went within the interval, since a
            # connection that joined meanwhile was given a list that showed it.
            joined = [c for c in changes.values() if c.now]
            left = [c for c in changes.values() if not c.now]
            to = channel(room_id)
            for change in joined:
                if not change.before:
                    out.append(Emit("status", status_json(room_id, change.who, True), to))
            for change in left:
                out.append(Emit("status", status_json(room_id, change.who, False), to))
            count = counts[room_id]
            out.append(Emit("online_count", {"room": room_id, "count": count}, to))
            update = {
                "room": room_id,
                "joined": [present_json(c.who) for c in joined],
                "left": [present_json(c.who) for c in left],
                "count": count,
            }
            out.append(Emit("presence_update", update, to))
        return out

    def pending(self) -> int:
        """Rooms with changes waiting for the next flush."""
        return len(self._rooms)


def status_json(room_id: str, who: Present, joined: bool) -> dict[str, object]:
    """The `status` event: one identity entered or left the room."""
    verb = "entered" if joined else "left"
    return {
        "room": room_id,
        "user_id": who.user_id,
        "username": who.username,
        "guest": who.guest,
        "event": "join" if joined else "leave",
        "msg": f"{who.username} has {verb} the room.",
    }
