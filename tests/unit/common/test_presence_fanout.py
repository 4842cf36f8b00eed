"""presence_fanout.PresenceFanout: a room hears the net change of an interval, as a delta."""

from __future__ import annotations

from domain.model.events import PresenceChanged
from entrypoints.common.presence_fanout import PresenceFanout
from entrypoints.common.socket_events import Emit, channel, emits_for


def _note(fanout: PresenceFanout, user: str, joined: bool, count: int, room: str = "lobby") -> None:
    [emit] = emits_for([PresenceChanged(room, user, user.title(), joined, count, guest=True)])
    fanout.note(emit)


def _update(emits: list[Emit]) -> dict[str, object]:
    [update] = [e for e in emits if e.event == "presence_update"]
    return update.data


def test_arrivals_and_departures_of_an_interval_are_one_delta_per_room() -> None:
    fanout = PresenceFanout()
    _note(fanout, "anna", True, 1)
    _note(fanout, "bert", True, 2)
    _note(fanout, "cara", True, 1, room="other")
    emits = fanout.flush()
    assert [(e.event, e.to) for e in emits] == [
        ("status", channel("lobby")),
        ("status", channel("lobby")),
        ("online_count", channel("lobby")),
        ("presence_update", channel("lobby")),
        ("status", channel("other")),
        ("online_count", channel("other")),
        ("presence_update", channel("other")),
    ]
    assert _update(emits[:4]) == {
        "room": "lobby",
        "joined": [
            {"user_id": "anna", "username": "Anna", "guest": True},
            {"user_id": "bert", "username": "Bert", "guest": True},
        ],
        "left": [],
        "count": 2,
    }
    assert fanout.flush() == []  # told once


def test_an_identity_churning_within_the_interval_is_told_once_as_gone() -> None:
    fanout = PresenceFanout()
    for _ in range(50):  # churn
        _note(fanout, "zed", True, 3)
        _note(fanout, "zed", False, 2)
    emits = fanout.flush()
    # Once, and as gone: a connection that joined meanwhile was shown it in its list.
    assert [e.data["event"] for e in emits if e.event == "status"] == ["leave"]
    zed = {"user_id": "zed", "username": "Zed", "guest": True}
    assert (_update(emits)["joined"], _update(emits)["left"]) == ([], [zed])
    assert _update(emits)["count"] == 2
    # Present at the last flush, went and came back: listed again, nothing to announce.
    _note(fanout, "zed", True, 3)
    fanout.flush()
    _note(fanout, "zed", False, 2)
    _note(fanout, "zed", True, 3)
    emits = fanout.flush()
    assert [e.event for e in emits] == ["online_count", "presence_update"]
    assert (_update(emits)["joined"], _update(emits)["left"]) == ([zed], [])
