"""Events leave a unit of work only through a successful commit (memory unit of work)."""

from __future__ import annotations

import pytest

from adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from domain.model.errors import Conflict, ErrorCode
from domain.model.events import RoomCreated
from domain.model.members import Membership, Role, UserProfile
from domain.model.messages import StoredMessage
from domain.model.rooms import Room

MESSAGE_ID = "01890a5d-ac96-774b-bcce-b302099a8057"


def _room(room_id: str = "lobby", incarnation: str = "inc-1") -> Room:
    return Room(room_id, incarnation, "hash", "g_admin", 1)


class Boom(RuntimeError):
    pass


def create_then_fail(uow: MemoryUnitOfWork) -> None:
    """Like a use case that records its event, then fails before it commits."""
    with uow:
        uow.rooms.add(_room())
        uow.profiles.put(UserProfile("g_admin", "admin", 1))
        uow.memberships.put(Membership("lobby", "g_admin", Role.ADMIN, 1, "inc"))
        uow.messages.add(StoredMessage(MESSAGE_ID, "lobby", "g_admin", "admin", b"ct", 1))
        uow.record(RoomCreated("lobby", "g_admin"))
        raise Boom("failed before commit")


def test_failure_before_commit_releases_nothing_and_writes_nothing() -> None:
    factory = MemoryUnitOfWorkFactory()
    uow = factory(write=True)
    with pytest.raises(Boom):
        create_then_fail(uow)

    assert uow.collect_events() == []
    store = factory.store
    assert (store.rooms, store.messages, store.profiles, store.memberships) == ({}, {}, {}, {})
    with factory() as fresh:
        assert fresh.rooms.get("lobby") is None
        assert fresh.messages.page("lobby", 10) == []


def test_exit_without_commit_releases_nothing() -> None:
    factory = MemoryUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.record(RoomCreated("lobby", "g_admin"))
    assert uow.collect_events() == []


def test_rollback_drops_recorded_events() -> None:
    factory = MemoryUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.rooms.add(_room())
        uow.record(RoomCreated("lobby", "g_admin"))
        uow.rollback()
        assert uow.rooms.get("lobby") is None
        uow.commit()  # commits nothing: the rollback dropped the writes and the events
    assert uow.collect_events() == []
    assert factory.store.rooms == {}


def test_commit_releases_events_once_in_order() -> None:
    factory = MemoryUnitOfWorkFactory()
    first, second = RoomCreated("a", "g_1"), RoomCreated("b", "g_2")
    with factory(write=True) as uow:
        uow.record(first)
        uow.record(second)
        assert uow.collect_events() == []  # nothing before the commit
        uow.commit()
    assert uow.collect_events() == [first, second]
    assert uow.collect_events() == []


def test_failed_commit_releases_nothing() -> None:
    factory = MemoryUnitOfWorkFactory()
    with factory(write=True) as winner:
        winner.rooms.add(_room(incarnation="winner"))
        winner.commit()
    loser = factory(write=True)
    with pytest.raises(Conflict), loser:
        # Both checked before either committed: only the commit can catch the race.
        loser.rooms.pending["lobby"] = _room(incarnation="loser")
        loser.record(RoomCreated("lobby", "g_loser"))
        loser.commit()
    assert loser.collect_events() == []
    assert factory.store.rooms["lobby"].incarnation == "winner"


def test_racing_room_creations_conflict_at_commit() -> None:
    factory = MemoryUnitOfWorkFactory()
    one, two = factory(write=True), factory(write=True)
    with one, two:
        one.rooms.add(_room(incarnation="one"))
        two.rooms.add(_room(incarnation="two"))  # neither sees the other's pending room
        two.profiles.put(UserProfile("g_two", "two", 1))
        one.commit()
        with pytest.raises(Conflict) as caught:
            two.commit()
        assert caught.value.code is ErrorCode.ROOM_EXISTS
    store = factory.store
    assert store.rooms["lobby"].incarnation == "one"
    assert store.profiles == {}  # the losing commit applied none of its writes


def test_memory_reads_return_copies() -> None:
    factory = MemoryUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.rooms.add(_room())
        uow.commit()
    with factory() as uow:
        room = uow.rooms.get("lobby")
        assert room is not None
        room.password_version = 99
    with factory() as uow:
        again = uow.rooms.get("lobby")
        assert again is not None
        assert again.password_version == 1
