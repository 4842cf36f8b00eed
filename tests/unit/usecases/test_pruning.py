"""Pruning: a room keeps only its newest messages (its message_limit, else the configured
default), enforced by the send batch in its own transaction, over adapters.memory."""

from __future__ import annotations

import dataclasses

from domain.model.rooms import RoomSettings
from domain.usecases.create_room import create_room
from domain.usecases.deps import CoreConfig
from domain.usecases.send_message import SendCommand, send_messages
from domain.usecases.verify_room import verify_room_password
from tests.support import World

PASSWORD = "a long enough password"


def _limited(world: World, default: int) -> World:
    deps = dataclasses.replace(world.deps, config=CoreConfig(message_limit=default))
    return dataclasses.replace(world, deps=deps)


def _room(world: World, room_id: str = "lobby", limit: int | None = None):  # type: ignore[no-untyped-def]
    create_room(world.deps, room_id, PASSWORD)
    if limit is not None:
        store = world.store_factory.store
        store.rooms[room_id].settings = RoomSettings(message_limit=limit)
    token = verify_room_password(world.deps, room_id, PASSWORD).value.token
    return world.deps.tokens.verify_room_token(token)


def _send(world: World, claims, room_id: str, *texts: str) -> None:  # type: ignore[no-untyped-def]
    results = send_messages(world.deps, [SendCommand(claims, room_id, t) for t in texts])
    assert all(hasattr(r, "value") for r in results), results


def _stored(world: World, room_id: str = "lobby") -> list[str]:
    """The texts the store holds for the room, oldest first."""
    rows = world.store_factory.store.messages.get(room_id, [])
    return [world.cipher.decrypt(m.ciphertext).decode() for m in rows]


def test_the_sixth_message_removes_the_oldest_under_a_configured_limit_of_5(
    world: World,
) -> None:
    world = _limited(world, 5)
    claims = _room(world)
    for n in range(1, 6):
        _send(world, claims, "lobby", f"m{n}")
    assert _stored(world) == ["m1", "m2", "m3", "m4", "m5"]
    _send(world, claims, "lobby", "m6")
    assert _stored(world) == ["m2", "m3", "m4", "m5", "m6"]
    # Gone from the store, not hidden: nothing keeps its number either.
    store = world.store_factory.store
    assert len(store.numbered["lobby"]) == 5 and store.message_seq["lobby"] == 6


def test_a_rooms_own_limit_wins_over_the_configured_default(world: World) -> None:
    world = _limited(world, 5)
    claims = _room(world, limit=3)
    other = _room(world, "other")
    _send(world, claims, "lobby", *(f"m{n}" for n in range(1, 7)))
    _send(world, other, "other", *(f"o{n}" for n in range(1, 7)))
    assert _stored(world) == ["m4", "m5", "m6"]
    assert _stored(world, "other") == ["o2", "o3", "o4", "o5", "o6"]


def test_a_default_of_0_keeps_every_message(world: World) -> None:
    claims = _room(world)
    assert world.deps.config.message_limit == 0
    _send(world, claims, "lobby", *(f"m{n}" for n in range(1, 21)))
    assert len(_stored(world)) == 20


def test_one_batch_larger_than_the_limit_keeps_its_newest(world: World) -> None:
    claims = _room(world, limit=5)
    other = _room(world, "other")  # unlimited, in the same batch
    commands = [SendCommand(claims, "lobby", f"m{n}") for n in range(1, 9)]
    commands += [SendCommand(other, "other", f"o{n}") for n in range(1, 9)]
    results = send_messages(world.deps, commands)
    assert len(results) == 16 and all(hasattr(r, "value") for r in results)
    assert _stored(world) == ["m4", "m5", "m6", "m7", "m8"]
    assert len(_stored(world, "other")) == 8


def test_a_deleted_message_still_counts_in_the_window(world: World) -> None:
    claims = _room(world, limit=3)
    _send(world, claims, "lobby", "a", "b", "c")
    [newest] = [m.id for m in world.store_factory.store.messages["lobby"]][-1:]
    with world.deps.uow(write=True) as uow:
        uow.messages.delete("lobby", newest)
        uow.commit()
    _send(world, claims, "lobby", "d")
    # The window is the last 3 numbers given (b, c, d): c is gone already.
    assert _stored(world) == ["b", "d"]


def test_a_lowered_limit_applies_at_the_next_message(world: World) -> None:
    claims = _room(world, limit=10)
    _send(world, claims, "lobby", *(f"m{n}" for n in range(1, 9)))
    world.store_factory.store.rooms["lobby"].settings = RoomSettings(message_limit=2)
    assert len(_stored(world)) == 8  # nothing happens until a message is written
    _send(world, claims, "lobby", "m9")
    assert _stored(world) == ["m8", "m9"]


def test_a_cleared_room_keeps_counting(world: World) -> None:
    claims = _room(world, limit=2)
    _send(world, claims, "lobby", "a", "b", "c")
    with world.deps.uow(write=True) as uow:
        uow.messages.clear("lobby")
        uow.commit()
    assert _stored(world) == [] and "lobby" not in world.store_factory.store.numbered
    _send(world, claims, "lobby", "d", "e", "f")
    assert _stored(world) == ["e", "f"]
