"""SocketProtocol over the memory adapters: who connect admits, arity, one connect per
connection, a failing handler, disconnect, a batched send's ack, and a join that races its
connection's end never leaves a ghost in presence. (Each event of the table:
test_socket_events_table.py.)"""

from __future__ import annotations

import dataclasses
import threading

import pytest

from domain.model.errors import ChatError, ErrorCode
from domain.usecases.create_room import create_room
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.batching import Batched, send_batch
from entrypoints.common.socket_api import EVENTS_BY_NAME, OK, call_event
from entrypoints.common.socket_connections import Queued, Refused, SocketProtocol, SocketResult
from entrypoints.common.socket_events import PRESENCE_NOTE, channel
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
        ack = call_event(protocol, "join", "s1", *args).ack
        assert ack["ok"] is False and ack["code"] == "invalid_event", args
    assert call_event(protocol, "join", "s1", {"room": "lobby"}).ack["ok"] is True
    command = call_event(protocol, "message", "s1", {"room": "lobby", "message": "hi"}, 1)
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
    call_event(protocol, "join", "s1", {"room": "lobby"})
    assert protocol.in_channel("s1", channel("lobby"))
    call_event(protocol, "leave", "s1", {"room": "lobby"})
    assert not protocol.in_channel("s1", channel("lobby"))
    call_event(protocol, "join", "s1", {"room": "lobby"})
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

    joined = threading.Thread(target=call_event, args=(protocol, "join", "s1", {"room": "lobby"}))
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
    assert [e.event for e in left] == [PRESENCE_NOTE]  # the room saw it leave
    assert not protocol.in_channel("s1", channel("lobby"))


def test_an_inline_event_never_waits_for_a_busy_connection(world: World) -> None:
    """On an event loop, an event whose connection is busy (its join holds the lock) is
    queued for a worker instead of waiting; later inline events queue behind it, so none
    passes it; once the queued one has run, inline events run inline again."""
    protocol, _ = _connected(world)
    assert call_event(protocol, "join", "s1", {"room": "lobby"}).ack["ok"] is True
    typing = EVENTS_BY_NAME["typing"]
    args = ({"room": "lobby", "is_typing": True},)
    connection = protocol.connection("s1")
    assert connection is not None
    with connection.lock:  # a join of this connection, running in a worker
        assert isinstance(protocol.run_inline(typing, "s1", args), Queued)
    assert isinstance(protocol.run_inline(typing, "s1", args), Queued)  # behind the first
    for _ in range(2):
        assert protocol.run_queued(typing, "s1", args).ack == OK
    outcome = protocol.run_inline(typing, "s1", args)
    assert isinstance(outcome, SocketResult) and outcome.ack == OK
    assert not connection.lock.locked()


def test_events_after_the_end_are_refused(world: World) -> None:
    protocol, _ = _connected(world)
    protocol.disconnect("s1")
    ack = call_event(protocol, "join", "s1", {"room": "lobby"}).ack
    assert ack["ok"] is False and ack["code"] == "unauthorized"
    assert world.presence.count("lobby") == 0


def _refused(protocol: SocketProtocol, sid: str, auth: object) -> dict[str, object]:
    try:
        protocol.connect(sid, auth)
    except Refused as refused:
        return refused.body
    raise AssertionError(f"connect with {auth!r} was admitted")


def test_connect_admits_only_a_valid_unexpired_token(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    member = verify_room_password(world.deps, "lobby", PASSWORD).value.token
    protocol = SocketProtocol(world.deps)
    for sid, auth in enumerate((None, member, {}, {"token": 5}, {"token": "garbage"})):
        body = _refused(protocol, f"bad-{sid}", auth)
        assert body["code"] == "unauthorized" and body["error"], auth
        # Nothing of a refused connection was kept: its events are refused too.
        ack = call_event(protocol, "join", f"bad-{sid}", {"room": "lobby"}).ack
        assert ack["ok"] is False and ack["code"] == "unauthorized"

    protocol.connect("good", {"token": member})
    assert call_event(protocol, "join", "good", {"room": "lobby"}).ack == OK
    assert world.presence.count("lobby") == 1

    world.clock.advance(seconds=world.deps.config.room_token_ttl_s)
    assert _refused(protocol, "late", {"token": member})["code"] == "unauthorized"


def test_a_handler_that_raises_acks_an_internal_error_and_logs_it(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    protocol, _ = _connected(world)

    def explode(*_: object) -> SocketResult:
        raise RuntimeError("boom")

    with caplog.at_level("ERROR", logger="securechat.socket"):
        boom = dataclasses.replace(EVENTS_BY_NAME["join"], name="boom", handler=explode)
        ack = protocol.run(boom, "s1", ({"room": "lobby"},)).ack
    assert ack == {
        "ok": False,
        "status": "error",
        "error": "internal server error",
        "code": "internal_error",
    }
    assert "unhandled error in socket event boom" in caplog.text
    # The connection goes on.
    assert call_event(protocol, "join", "s1", {"room": "lobby"}).ack == OK


def test_disconnect_leaves_the_joined_room_once_and_forgets_the_connection(world: World) -> None:
    protocol, _ = _connected(world)
    call_event(protocol, "join", "s1", {"room": "lobby"})
    assert world.presence.count("lobby") == 1

    emits = protocol.disconnect("s1")

    assert [(e.event, e.to) for e in emits] == [(PRESENCE_NOTE, channel("lobby"))]
    assert emits[0].data["joined"] is False and emits[0].data["count"] == 0
    assert world.presence.count("lobby") == 0
    assert protocol.disconnect("s1") == []  # a second disconnect tells no one
    assert protocol.disconnect("never-connected") == []
    world.clock.advance(seconds=world.deps.config.admin_token_ttl_s)
    assert protocol.expired() == []  # a forgotten connection is not swept


def test_a_batched_send_turns_its_result_into_the_ack(world: World) -> None:
    protocol, token = _connected(world)
    call_event(protocol, "join", "s1", {"room": "lobby"})
    step = call_event(protocol, "message", "s1", {"room": "lobby", "message": "hi"})
    assert isinstance(step, Batched)
    assert step.command.text == "hi" and step.command.room_id == "lobby"
    assert step.command.claims == world.tokens.verify_room_token(token)

    failed = step.respond(None)
    assert failed.ack["code"] == "internal_error" and failed.emits == []
    refused = step.respond(ChatError(ErrorCode.FORBIDDEN, "no"))
    assert refused.ack == {"ok": False, "status": "error", "error": "no", "code": "forbidden"}
    (result,) = send_batch(world.deps, [step.command])
    sent = step.respond(result)
    assert sent.ack == {**OK, "message_id": world.store_factory.store.messages["lobby"][0].id}
    assert [e.event for e in sent.emits] == ["message"]
