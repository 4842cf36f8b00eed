"""What room administration asks of storage, on every backend: updating a room, deleting it
with all it holds, deleting and counting messages, and listing a room's members; each change
applied only to the room incarnation it was made against."""

from __future__ import annotations

import dataclasses

from domain.model.members import Membership, Role, Standing
from domain.model.rooms import RoomSettings
from ports.repositories import MAX_ADDRESSES_PER_MEMBER
from ports.unit_of_work import UnitOfWorkFactory
from tests.adapters.test_unit_of_work import add_rooms, make_message, make_room


def _messages(factory: UnitOfWorkFactory, room_id: str) -> list[str]:
    with factory() as uow:
        return [m.id for m in uow.messages.page(room_id, 100)]


def _fill(factory: UnitOfWorkFactory, room_id: str, count: int) -> list[str]:
    messages = [make_message(room_id, f"m{i}") for i in range(count)]
    with factory(write=True) as uow:
        uow.messages.add_many(messages)
        uow.commit()
    return [m.id for m in messages]


def test_update_stores_password_versions_and_settings(uow_factory: UnitOfWorkFactory) -> None:
    room = make_room()
    with uow_factory(write=True) as uow:
        uow.rooms.add(room)
        uow.commit()
    changed = dataclasses.replace(
        room,
        password_hash="$argon2id$new",
        password_version=2,
        admin_version=5,
        settings=RoomSettings(message_limit=10),
    )
    with uow_factory(write=True) as uow:
        uow.rooms.update(changed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") == changed


def test_an_update_or_delete_of_an_earlier_incarnation_changes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    old = make_room()
    with uow_factory(write=True) as uow:
        uow.rooms.add(old)
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.rooms.delete("lobby", old.incarnation)
        uow.commit()
    new = make_room()
    with uow_factory(write=True) as uow:
        uow.rooms.add(new)
        uow.commit()
    (kept,) = _fill(uow_factory, "lobby", 1)
    with uow_factory(write=True) as uow:
        uow.rooms.update(dataclasses.replace(old, password_version=9))
        uow.rooms.delete("lobby", old.incarnation)
        uow.commit()
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") == new
    assert _messages(uow_factory, "lobby") == [kept]


def test_delete_takes_the_rooms_messages_and_memberships_and_no_others(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby", "other")
    with uow_factory() as uow:
        lobby, other = uow.rooms.get("lobby"), uow.rooms.get("other")
    assert lobby is not None and other is not None
    _fill(uow_factory, "lobby", 3)
    kept = _fill(uow_factory, "other", 2)
    with uow_factory(write=True) as uow:
        for room in (lobby, other):
            uow.memberships.put(Membership(room.id, "u_1", Role.ADMIN, 1, room.incarnation))
        uow.commit()

    with uow_factory(write=True) as uow:
        uow.rooms.delete("lobby", lobby.incarnation)
        uow.commit()

    with uow_factory() as uow:
        assert uow.rooms.get("lobby") is None
        assert uow.memberships.get("lobby", "u_1") is None
        assert uow.memberships.in_room("lobby") == []
        assert uow.messages.count("lobby") == 0
        assert uow.memberships.get("other", "u_1") is not None
    assert _messages(uow_factory, "lobby") == []
    assert sorted(_messages(uow_factory, "other")) == sorted(kept)


def test_messages_are_got_deleted_cleared_and_counted_per_room(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby", "other")
    first, second, third = _fill(uow_factory, "lobby", 3)
    (elsewhere,) = _fill(uow_factory, "other", 1)
    with uow_factory() as uow:
        found = uow.messages.get("lobby", second)
        assert found is not None and found.id == second
        assert uow.messages.get("other", second) is None  # the id, but not of this room
        assert uow.messages.count("lobby") == 3

    with uow_factory(write=True) as uow:
        uow.messages.delete("lobby", second)
        uow.messages.delete("other", first)  # not of that room: nothing
        uow.commit()
    assert sorted(_messages(uow_factory, "lobby")) == [first, third]

    with uow_factory(write=True) as uow:
        uow.messages.clear("lobby")
        uow.commit()
    with uow_factory() as uow:
        assert uow.messages.count("lobby") == 0
        assert uow.messages.count("other") == 1
    assert _messages(uow_factory, "other") == [elsewhere]


def test_nothing_is_deleted_without_a_commit(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    ids = _fill(uow_factory, "lobby", 2)
    with uow_factory() as uow:
        room = uow.rooms.get("lobby")
    assert room is not None
    with uow_factory(write=True) as uow:
        uow.messages.delete("lobby", ids[0])
        uow.messages.clear("lobby")
        uow.rooms.delete("lobby", room.incarnation)
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") == room
    assert sorted(_messages(uow_factory, "lobby")) == sorted(ids)


def test_in_room_lists_every_membership_of_the_room_by_user_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby", "other")
    with uow_factory(write=True) as uow:
        for user_id in ("u_b", "u_a"):
            uow.memberships.put(Membership("lobby", user_id, Role.MEMBER, 1, "inc"))
        uow.memberships.put(Membership("other", "u_c", Role.MEMBER, 1, "inc"))
        uow.commit()
    with uow_factory() as uow:
        assert [m.user_id for m in uow.memberships.in_room("lobby")] == ["u_a", "u_b"]


def test_a_membership_keeps_its_standing_and_can_be_deleted(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    kicked = Membership("lobby", "g_1", Role.MEMBER, 1, "inc", Standing.KICKED, 99)
    banned = Membership("lobby", "g_2", Role.MEMBER, 1, "inc", Standing.BANNED)
    with uow_factory(write=True) as uow:
        uow.memberships.put(kicked)
        uow.memberships.put(banned)
        uow.commit()
    with uow_factory() as uow:
        assert uow.memberships.get("lobby", "g_1") == kicked
        assert uow.memberships.get("lobby", "g_2") == banned
    with uow_factory(write=True) as uow:
        uow.memberships.delete("lobby", "g_2")
        assert uow.memberships.get("lobby", "g_2") is None  # its own delete, seen at once
        uow.commit()
    with uow_factory() as uow:
        assert uow.memberships.get("lobby", "g_2") is None
        assert [m.user_id for m in uow.memberships.in_room("lobby")] == ["g_1"]


def test_addresses_are_recorded_once_bounded_banned_and_unbanned_per_member(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby", "other")
    with uow_factory(write=True) as uow:
        for n in range(MAX_ADDRESSES_PER_MEMBER + 5):
            uow.addresses.record("lobby", "g_1", f"10.0.0.{n}", n)
        uow.addresses.record("lobby", "g_1", "10.0.0.0", 999)  # again: nothing new
        uow.addresses.record("lobby", "g_2", "10.9.9.9", 1)
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.addresses.record("lobby", "g_1", "10.0.0.99", 1000)  # over the bound: dropped
        uow.commit()
    with uow_factory() as uow:
        used = uow.addresses.of_member("lobby", "g_1")
        assert used == [f"10.0.0.{n}" for n in range(MAX_ADDRESSES_PER_MEMBER)]
        assert uow.addresses.of_member("other", "g_1") == []

    with uow_factory(write=True) as uow:
        uow.addresses.ban("lobby", "10.0.0.1", "g_1", 5)
        uow.addresses.ban("lobby", "10.0.0.1", "g_2", 5)  # the same address, for another
        uow.addresses.ban("lobby", "10.9.9.9", "g_2", 5)
        assert (
            uow.addresses.barred("lobby", "10.0.0.1", 0) is Standing.BANNED
        )  # its own ban, seen at once
        uow.commit()
    with uow_factory() as uow:
        assert uow.addresses.barred("lobby", "10.0.0.1", 0) is Standing.BANNED
        assert uow.addresses.barred("other", "10.0.0.1", 0) is None
        assert uow.addresses.barred("lobby", "10.0.0.2", 0) is None

    with uow_factory(write=True) as uow:
        uow.addresses.unban_member("lobby", "g_2")
        uow.commit()
    with uow_factory() as uow:
        assert (
            uow.addresses.barred("lobby", "10.0.0.1", 0) is Standing.BANNED
        )  # still banned because of g_1
        assert uow.addresses.barred("lobby", "10.9.9.9", 0) is None


def test_a_kick_holds_an_address_until_its_end_and_a_ban_outranks_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    with uow_factory(write=True) as uow:
        uow.addresses.ban("lobby", "10.0.0.1", "g_1", 5, until_ms=100)
        assert uow.addresses.barred("lobby", "10.0.0.1", 99) is Standing.KICKED  # seen at once
        uow.commit()
    with uow_factory() as uow:
        assert uow.addresses.barred("lobby", "10.0.0.1", 99) is Standing.KICKED
        assert uow.addresses.barred("lobby", "10.0.0.1", 100) is None  # the hold has ended
    with uow_factory(write=True) as uow:
        uow.addresses.ban("lobby", "10.0.0.1", "g_2", 6, until_ms=50)  # another, shorter
        uow.addresses.ban("lobby", "10.0.0.1", "g_1", 7)  # then g_1 banned: replaces its kick
        uow.commit()
    with uow_factory() as uow:
        assert uow.addresses.barred("lobby", "10.0.0.1", 1_000) is Standing.BANNED
    with uow_factory(write=True) as uow:
        uow.addresses.unban_member("lobby", "g_1")
        uow.commit()
    with uow_factory() as uow:
        assert uow.addresses.barred("lobby", "10.0.0.1", 49) is Standing.KICKED  # g_2's kick
        assert uow.addresses.barred("lobby", "10.0.0.1", 50) is None


def test_a_deleted_room_takes_its_addresses_and_bans(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    with uow_factory() as uow:
        room = uow.rooms.get("lobby")
    assert room is not None
    with uow_factory(write=True) as uow:
        uow.addresses.record("lobby", "g_1", "10.0.0.1", 1)
        uow.addresses.ban("lobby", "10.0.0.1", "g_1", 1)
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.rooms.delete("lobby", room.incarnation)
        uow.commit()
    add_rooms(uow_factory, "lobby")
    with uow_factory() as uow:
        assert uow.addresses.barred("lobby", "10.0.0.1", 0) is None
        assert uow.addresses.of_member("lobby", "g_1") == []


def test_rooms_and_memberships_are_read_many_at_once(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "a", "b")
    with uow_factory(write=True) as uow:
        uow.memberships.put(Membership("a", "u_1", Role.ADMIN, 1, "inc"))
        uow.memberships.put(Membership("b", "u_2", Role.MEMBER, 1, "inc"))
        uow.commit()
    with uow_factory() as uow:
        rooms = uow.rooms.get_many(["a", "b", "missing"])
        assert sorted(rooms) == ["a", "b"] and rooms["a"].id == "a"
        assert list(uow.rooms.get_many(["b"])) == ["b"]
        held = uow.memberships.get_many([("a", "u_1"), ("b", "u_2"), ("a", "u_2")])
        assert sorted(held) == [("a", "u_1"), ("b", "u_2")]
        assert held[("a", "u_1")].role is Role.ADMIN
        assert uow.memberships.get_many([("b", "u_1")]) == {}
