"""domain/usecases/join_room.py: presence, listed per identity, counted per connection.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

from domain.model.events import PresenceChanged, PresenceShown
from domain.model.members import Role
from domain.model.policies import Grant
from domain.model.presence import PRESENCE_LIST_MAX, Present
from domain.usecases.create_room import create_room
from domain.usecases.join_room import join_room, leave_room
from tests.support import PASSWORD, World, member_claims


def test_the_room_hears_of_an_identitys_first_tab_and_its_last(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice = member_claims(world, "lobby", "alice")
    bob = member_claims(world, "lobby", "bob")
    she = Present(alice.user_id, "alice", guest=True)
    he = Present(bob.user_id, "bob", guest=True)

    joined = join_room(world.deps, alice, "lobby", "c-alice")
    grant_alice = joined.value
    assert grant_alice == Grant("lobby", alice.user_id, "alice", Role.MEMBER, guest=True)
    assert joined.events == [
        PresenceShown("lobby", "c-alice", 1, (she,)),  # the list, to her connection
        PresenceChanged("lobby", alice.user_id, "alice", True, 1, guest=True),  # the room's delta
    ]

    grant_bob = join_room(world.deps, bob, "lobby", "c-bob").value
    # Alice on a second tab: the room hears nothing; that tab is told who is there.
    second_tab = join_room(world.deps, alice, "lobby", "c-alice-2")
    assert second_tab.events == [PresenceShown("lobby", "c-alice-2", 2, (she, he))]
    assert world.presence.count("lobby") == 2

    # Closing one of her tabs changes nothing for the room.
    assert leave_room(world.deps, grant_alice, "c-alice").events == []
    last_tab = leave_room(world.deps, grant_alice, "c-alice-2")
    assert last_tab.events == [
        PresenceChanged("lobby", alice.user_id, "alice", False, 1, guest=True)
    ]
    # Leaving twice is a no-op without an event.
    assert leave_room(world.deps, grant_alice, "c-alice").events == []

    last = leave_room(world.deps, grant_bob, "c-bob")
    assert last.events == [PresenceChanged("lobby", bob.user_id, "bob", False, 0, guest=True)]
    assert world.presence.count("lobby") == 0
    assert world.presence.online("lobby") == []


def test_presence_is_per_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    join_room(world.deps, member_claims(world, "a"), "a", "c1")
    grant_b = join_room(world.deps, member_claims(world, "b"), "b", "c2").value
    assert (world.presence.count("a"), world.presence.count("b")) == (1, 1)
    # A connection unknown to the room is not counted out of it.
    assert leave_room(world.deps, grant_b, "c1").events == []
    assert world.presence.count("a") == 1


def test_the_list_is_by_name_and_cut_while_the_count_stays_exact(world: World) -> None:
    create_room(world.deps, "big", PASSWORD)
    for n in range(PRESENCE_LIST_MAX + 1):
        world.presence.enter("big", f"c{n}", Present(f"u{n:04d}", f"User {n:04d}"))
    out = join_room(world.deps, member_claims(world, "big", "aaron"), "big", "c-aaron")
    event, _ = out.events
    assert isinstance(event, PresenceShown)
    assert event.online == PRESENCE_LIST_MAX + 2
    assert len(event.users) == PRESENCE_LIST_MAX
    assert event.users[0].username == "aaron"  # by name, case-blind
    assert [u.username for u in event.users[1:3]] == ["User 0000", "User 0001"]
