"""domain/usecases/room_overview.py over the memory adapters."""

from __future__ import annotations

from domain.model.members import Membership, Role
from domain.usecases.room_overview import room_overview
from tests.support import World, room_admin


def test_the_overview_lists_only_members_of_this_incarnation(world: World) -> None:
    admin = room_admin(world)
    store = world.store_factory.store
    store.memberships[("lobby", "u_ghost")] = Membership(
        "lobby", "u_ghost", Role.ADMIN, 1, "an earlier incarnation"
    )
    overview = room_overview(world.deps, admin, "lobby").value
    assert [m.user_id for m in overview.members] == [store.rooms["lobby"].created_by]
