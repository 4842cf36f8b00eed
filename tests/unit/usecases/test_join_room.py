"""domain/usecases/join_room.py: presence, counted per connection.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

from domain.model.events import PresenceChanged
from domain.model.members import Role
from domain.model.policies import Grant
from domain.usecases.create_room import create_room
from domain.usecases.join_room import join_room, leave_room
from tests.support import PASSWORD, World, member_claims


def test_join_and_leave_count_presence_and_emit_events(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice = member_claims(world, "lobby", "alice")
    bob = member_claims(world, "lobby", "bob")

    joined = join_room(world.deps, alice, "lobby", "c-alice")
    grant_alice = joined.value
    assert grant_alice == Grant("lobby", alice.user_id, "alice", Role.MEMBER, guest=True)
    assert joined.events == [PresenceChanged("lobby", alice.user_id, "alice", True, 1, guest=True)]

    grant_bob = join_room(world.deps, bob, "lobby", "c-bob").value
    # Alice on a second tab counts as another connection.
    second_tab = join_room(world.deps, alice, "lobby", "c-alice-2")
    assert second_tab.events == [
        PresenceChanged("lobby", alice.user_id, "alice", True, 3, guest=True)
    ]
    assert world.presence.count("lobby") == 3

    left = leave_room(world.deps, grant_alice, "c-alice")
    assert left.value is None
    assert left.events == [PresenceChanged("lobby", alice.user_id, "alice", False, 2, guest=True)]
    # Leaving twice is a no-op without an event.
    assert leave_room(world.deps, grant_alice, "c-alice").events == []

    leave_room(world.deps, grant_alice, "c-alice-2")
    last = leave_room(world.deps, grant_bob, "c-bob")
    assert last.events == [PresenceChanged("lobby", bob.user_id, "bob", False, 0, guest=True)]
    assert world.presence.count("lobby") == 0


def test_presence_is_per_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    join_room(world.deps, member_claims(world, "a"), "a", "c1")
    grant_b = join_room(world.deps, member_claims(world, "b"), "b", "c2").value
    assert (world.presence.count("a"), world.presence.count("b")) == (1, 1)
    # A connection unknown to the room is not counted out of it.
    assert leave_room(world.deps, grant_b, "c1").events == []
    assert world.presence.count("a") == 1
