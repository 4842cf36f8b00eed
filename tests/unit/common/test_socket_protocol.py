"""SocketProtocol over the memory adapters: arity, one connect per connection, and a join
that races its connection's end never leaves a ghost in presence."""

from __future__ import annotations

import dataclasses
import threading

from domain.usecases.create_room import create_room
from entrypoints.common.socket_api import Refused, SocketProtocol, SocketResult
from entrypoints.common.socket_events import channel
from tests.support import World

PASSWORD = "correct horse battery"  # noqa: S105 - test data


def _connected(world: World, sid: str = "s1") -> tuple[SocketProtocol, str]:
    token = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    protocol = SocketProtocol(world.deps)
    protocol.connect(sid, {"token": token})
    return protocol, token


def test_an_event_takes_exactly_one_object(world: World) -> None:
    protocol, _ = _connected(world)
    for args in ((), ({"room": "lobby"}, "extra"), ({"room": "lobby"}, {})):
        ack = protocol.call("join", "s1", *args).ack
        assert ack["ok"] is False and ack["code"] == "invalid_event", args
    assert protocol.call("join", "s1", {"room": "lobby"}).ack["ok"] is True
    command = protocol.call("message", "s1", {"room": "lobby", "message": "hi"}, 1)
    assert isinstance(command, SocketResult) and command.ack["code"] == "invalid_event"


def test_a_connection_is_admitted_once(world: World) -> None:
    protocol, token = _connected(world)
    try:
        protocol.connect("s1", {"token": token})
    except Refused as refused:
        assert refused.body["code"] == "unauthorized"
    else:
        raise AssertionError("a second connect on one connection was admitted")


def test_in_channel_follows_joins_leaves_and_the_end(world: World) -> None:
    protocol, _ = _connected(world)
    assert not protocol.in_channel("s1", channel("lobby"))
    protocol.call("join", "s1", {"room": "lobby"})
    assert protocol.in_channel("s1", channel("lobby"))
    protocol.call("leave", "s1", {"room": "lobby"})
    assert not protocol.in_channel("s1", channel("lobby"))
    protocol.call("join", "s1", {"room": "lobby"})
    protocol.disconnect("s1")
    assert not protocol.in_channel("s1", channel("lobby"))


class GatedPresence:
    """The real presence store, with `enter` held until the test lets it go."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.entering = threading.Event()
        self.release = threading.Event()

    def enter(self, room_id: str, connection_id: str, user_id: str) -> int:
        self.entering.set()
        assert self.release.wait(5)
        return self.inner.enter(room_id, connection_id, user_id)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_disconnect_during_a_join_leaves_no_one_present(world: World) -> None:
    gate = GatedPresence(world.presence)
    token = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    protocol = SocketProtocol(dataclasses.replace(world.deps, presence=gate))  # type: ignore[arg-type]
    protocol.connect("s1", {"token": token})

    joined = threading.Thread(target=protocol.call, args=("join", "s1", {"room": "lobby"}))
    joined.start()
    assert gate.entering.wait(5)  # the join is inside its use case
    left: list[object] = []
    ended = threading.Thread(target=lambda: left.extend(protocol.disconnect("s1")))
    ended.start()
    ended.join(0.2)
    gate.release.set()
    joined.join(5)
    ended.join(5)

    assert world.presence.count("lobby") == 0
    assert [e.event for e in left] == ["status", "online_count"]  # the room saw it leave
    assert not protocol.in_channel("s1", channel("lobby"))


def test_events_after_the_end_are_refused(world: World) -> None:
    protocol, _ = _connected(world)
    protocol.disconnect("s1")
    ack = protocol.call("join", "s1", {"room": "lobby"}).ack
    assert ack["ok"] is False and ack["code"] == "unauthorized"
    assert world.presence.count("lobby") == 0
