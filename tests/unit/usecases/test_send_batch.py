"""Group commit: a batch of sends in one transaction, each command on its own."""

from __future__ import annotations

from domain.model.errors import ChatError, ErrorCode
from domain.model.events import MessagePosted
from domain.usecases.create_room import create_room
from domain.usecases.deps import Outcome
from domain.usecases.send_message import SendCommand, send_messages
from domain.usecases.verify_room import verify_room_password
from tests.support import World

PASSWORD = "a long enough password"


def _claims(world: World, room_id: str):  # type: ignore[no-untyped-def]
    create_room(world.deps, room_id, PASSWORD)
    token = verify_room_password(world.deps, room_id, PASSWORD).value.token
    return world.deps.tokens.verify_room_token(token)


def test_each_command_succeeds_or_fails_on_its_own(world: World) -> None:
    lobby, other = _claims(world, "lobby"), _claims(world, "other")
    results = send_messages(
        world.deps,
        [
            SendCommand(lobby, "lobby", "first"),
            SendCommand(lobby, "lobby", "   "),  # empty
            SendCommand(lobby, "other", "wrong room"),  # token of another room
            SendCommand(other, "other", "second"),
            SendCommand(lobby, "lobby", "third"),
        ],
    )
    assert [type(r).__name__ for r in results] == [
        "Outcome",
        "InvalidInput",
        "Forbidden",
        "Outcome",
        "Outcome",
    ]
    assert isinstance(results[1], ChatError) and results[1].code is ErrorCode.MESSAGE_EMPTY
    stored = world.store_factory.store.messages
    assert len(stored["lobby"]) == 2 and len(stored["other"]) == 1
    # Every success carries exactly its own committed event, in send order.
    successes = [r for r in results if isinstance(r, Outcome)]
    assert [r.value.text for r in successes] == ["first", "second", "third"]
    rooms = world.store_factory.store.rooms
    for outcome in successes:
        message = outcome.value
        stamped = MessagePosted(message, message.offset, rooms[message.room_id].incarnation)
        assert outcome.events == [stamped]
    # Each room numbers its own changes, in send order.
    assert [r.value.offset for r in successes] == [1, 1, 2]
    ids = [r.value.id for r in successes]
    assert ids == sorted(ids)


def test_a_batch_of_only_refusals_opens_no_transaction_and_stores_nothing(world: World) -> None:
    lobby = _claims(world, "lobby")
    results = send_messages(
        world.deps, [SendCommand(lobby, "lobby", ""), SendCommand(lobby, "x!", "y")]
    )
    assert [r.code for r in results if isinstance(r, ChatError)] == [
        ErrorCode.MESSAGE_EMPTY,
        ErrorCode.INVALID_ROOM_ID,
    ]
    assert world.store_factory.store.messages.get("lobby", []) == []


def test_a_batch_reads_each_room_once(world: World) -> None:
    lobby = _claims(world, "lobby")
    reads: list[str] = []
    factory = world.store_factory

    class CountingFactory:
        def __call__(self, *, write: bool = False):  # type: ignore[no-untyped-def]
            uow = factory(write=write)
            original = uow.rooms.get

            def get(room_id: str):  # type: ignore[no-untyped-def]
                reads.append(room_id)
                return original(room_id)

            uow.rooms.get = get  # type: ignore[method-assign]
            return uow

    from dataclasses import replace

    deps = replace(world.deps, uow=CountingFactory())
    results = send_messages(deps, [SendCommand(lobby, "lobby", f"m{i}") for i in range(20)])
    assert all(isinstance(r, Outcome) for r in results)
    assert reads == ["lobby"]


def test_a_command_naming_another_identity_is_refused_alone_and_stores_nothing(
    world: World,
) -> None:
    lobby = _claims(world, "lobby")
    results = send_messages(
        world.deps,
        [
            SendCommand(lobby, "lobby", "as myself", user_id=lobby.user_id),
            SendCommand(lobby, "lobby", "as someone else", user_id="u_victim"),
            SendCommand(lobby, "lobby", "no user_id"),
        ],
    )
    refused = results[1]
    assert isinstance(refused, ChatError) and refused.code is ErrorCode.IDENTITY_MISMATCH
    stored = world.store_factory.store.messages["lobby"]
    assert len(stored) == 2
    assert {m.user_id for m in stored} == {lobby.user_id}
    assert all(m.guest for m in stored)  # a room token's identity is a guest's
