"""domain/usecases/typing.py: who is typing, per identity, ending by itself.

Over the real in-memory adapters, real JWTs and a fake clock."""

from __future__ import annotations

import pytest

from domain.model.errors import ChatError
from domain.model.events import TypingChanged
from domain.model.policies import Grant, RoomTokenClaims
from domain.model.presence import Present
from domain.usecases.create_room import create_room
from domain.usecases.join_room import join_room, leave_room
from domain.usecases.typing import expire_typing, set_typing
from tests.support import PASSWORD, World, member_claims


def _in_lobby(world: World, name: str, connection: str) -> tuple[RoomTokenClaims, Grant]:
    claims = member_claims(world, "lobby", name)
    return claims, join_room(world.deps, claims, "lobby", connection).value


def test_typing_starts_stops_and_changes_only_when_the_list_does(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice, alice_grant = _in_lobby(world, "alice", "c1")
    she = Present(alice_grant.user_id, "alice", guest=True)

    started = set_typing(world.deps, alice, alice_grant, True)
    assert started.events == [TypingChanged("lobby", (she,))]
    # A refresh tells no one; a stop does; a second stop does not.
    assert set_typing(world.deps, alice, alice_grant, True).events == []
    stopped = set_typing(world.deps, alice, alice_grant, False)
    assert stopped.events == [TypingChanged("lobby", ())]
    assert set_typing(world.deps, alice, alice_grant, False).events == []


def test_typing_ends_by_itself_unless_refreshed(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice, alice_grant = _in_lobby(world, "alice", "c1")
    bob, bob_grant = _in_lobby(world, "bob", "c2")
    ttl_ms = world.deps.config.typing_s * 1000
    set_typing(world.deps, alice, alice_grant, True)
    world.clock.advance(ms=ttl_ms // 2)
    set_typing(world.deps, bob, bob_grant, True)
    world.clock.advance(ms=ttl_ms // 2 - 1)
    assert expire_typing(world.deps) == []

    world.clock.advance(ms=1)  # alice's ran out; bob's has half to go
    he = Present(bob_grant.user_id, "bob", guest=True)
    assert expire_typing(world.deps) == [TypingChanged("lobby", (he,))]
    assert expire_typing(world.deps) == []  # told once
    # Bob keeps it up: a refresh pushes his end back.
    set_typing(world.deps, bob, bob_grant, True)
    world.clock.advance(ms=ttl_ms - 1)
    assert expire_typing(world.deps) == []
    world.clock.advance(ms=1)
    assert expire_typing(world.deps) == [TypingChanged("lobby", ())]


def test_the_last_tab_going_ends_typing_and_the_room_is_told(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice, grant = _in_lobby(world, "alice", "c1")
    join_room(world.deps, alice, "lobby", "c1b")
    set_typing(world.deps, alice, grant, True)

    assert leave_room(world.deps, grant, "c1").events == []  # another tab is still there
    events = leave_room(world.deps, grant, "c1b").events
    assert events[-1] == TypingChanged("lobby", ())
    assert world.presence.typing("lobby", world.clock.now_ms()) == []
    # Gone, she cannot type there.
    assert set_typing(world.deps, alice, grant, True).events == []


def test_typing_is_the_tokens_own_and_ends_with_it(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice, grant = _in_lobby(world, "alice", "c1")

    with pytest.raises(ChatError) as mismatch:
        set_typing(world.deps, alice, grant, True, user_id="someone")
    assert mismatch.value.code == "identity_mismatch"
    world.clock.advance(seconds=world.deps.config.room_token_ttl_s)
    with pytest.raises(ChatError) as expired:
        set_typing(world.deps, alice, grant, True)
    assert expired.value.code == "unauthorized"
    assert world.presence.typing("lobby", world.clock.now_ms()) == []
