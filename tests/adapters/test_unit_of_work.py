"""One repository / unit-of-work suite, run against every storage backend (the `uow_factory`
fixture of tests/adapters/conftest.py)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from adapters.system import UuidV7Generator
from domain.model.errors import Conflict, ErrorCode
from domain.model.events import RoomCreated
from domain.model.members import Membership, Role, UserProfile
from domain.model.messages import StoredMessage
from domain.model.rooms import Room, RoomSettings
from ports.unit_of_work import UnitOfWorkFactory
from tests.support import migrated_factory

IDS = UuidV7Generator()


def make_room(room_id: str = "lobby", **changes: object) -> Room:
    values: dict[str, object] = {
        "id": room_id,
        "incarnation": IDS.incarnation(),
        "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "created_by": "g_creator",
        "created_at_ms": 1_700_000_000_123,
    }
    values.update(changes)
    return Room(**values)  # type: ignore[arg-type]


def make_message(room_id: str, text: str, message_id: str | None = None) -> StoredMessage:
    return StoredMessage(
        id=message_id or IDS.message_id(),
        room_id=room_id,
        user_id="g_author",
        username="author",
        ciphertext=b"\x00ct:" + text.encode(),
        created_at_ms=1_700_000_000_000,
    )


def add_rooms(factory: UnitOfWorkFactory, *room_ids: str) -> None:
    with factory(write=True) as uow:
        for room_id in room_ids:
            uow.rooms.add(make_room(room_id))
        uow.commit()


# --- rooms ------------------------------------------------------------------------------


def test_room_round_trip_keeps_every_field(uow_factory: UnitOfWorkFactory) -> None:
    room = make_room(
        "Room_1-x" + "y" * 56,  # 64 characters, the longest id
        password_version=7,
        settings=RoomSettings(message_limit=500),
    )
    plain = make_room("plain")
    with uow_factory(write=True) as uow:
        assert uow.rooms.get(room.id) is None
        uow.rooms.add(room)
        uow.rooms.add(plain)
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.rooms.get(room.id)
        loaded_plain = uow.rooms.get("plain")
        assert uow.rooms.get("missing") is None
    assert loaded == room
    assert loaded is not room
    assert loaded_plain == plain
    assert loaded_plain is not None
    assert loaded_plain.settings == RoomSettings(message_limit=None)
    assert loaded_plain.password_version == 1


def test_room_ids_are_case_sensitive(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "Lobby", "lobby")
    with uow_factory() as uow:
        upper, lower = uow.rooms.get("Lobby"), uow.rooms.get("lobby")
        assert uow.rooms.get("LOBBY") is None
    assert upper is not None
    assert lower is not None
    assert upper.incarnation != lower.incarnation


def test_duplicate_room_in_the_same_unit_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    first = make_room("lobby")
    with uow_factory(write=True) as uow:
        uow.rooms.add(first)
        with pytest.raises(Conflict) as caught:
            uow.rooms.add(make_room("lobby", created_by="g_intruder"))
        assert caught.value.code is ErrorCode.ROOM_EXISTS
        # The unit of work is still usable: the first room and later writes commit.
        uow.rooms.add(make_room("other"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") == first
        assert uow.rooms.get("other") is not None


def test_duplicate_room_across_units_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    first = make_room("lobby")
    with uow_factory(write=True) as uow:
        uow.rooms.add(first)
        uow.commit()

    with uow_factory(write=True) as uow:
        uow.profiles.put(UserProfile("g_second", "second", 1))
        with pytest.raises(Conflict) as caught:
            uow.rooms.add(make_room("lobby", password_version=9))
        assert caught.value.code is ErrorCode.ROOM_EXISTS
        uow.commit()  # what else the unit did still commits

    with uow_factory() as uow:
        assert uow.rooms.get("lobby") == first  # never overwritten
        assert uow.profiles.get("g_second") is not None


# --- transactions -----------------------------------------------------------------------


def test_uncommitted_work_is_rolled_back_on_exit(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "existing")
    with uow_factory(write=True) as uow:
        uow.rooms.add(make_room("lobby"))
        uow.messages.add(make_message("lobby", "lost"))
        uow.messages.add(make_message("existing", "lost too"))
        uow.profiles.put(UserProfile("g_ghost", "ghost", 1))
        uow.memberships.put(Membership("existing", "g_ghost", Role.MEMBER, 1, "inc"))
        uow.record(RoomCreated("lobby", "g_ghost"))
    assert uow.collect_events() == []

    with uow_factory() as uow:
        assert uow.rooms.get("lobby") is None
        assert uow.messages.page("lobby", 10) == []
        assert uow.messages.page("existing", 10) == []
        assert uow.profiles.get("g_ghost") is None
        assert uow.memberships.get("existing", "g_ghost") is None


def test_an_exception_rolls_back_and_propagates(uow_factory: UnitOfWorkFactory) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), uow_factory(write=True) as uow:
        uow.rooms.add(make_room("lobby"))
        uow.record(RoomCreated("lobby", "g_x"))
        raise Boom
    assert uow.collect_events() == []
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") is None


def test_explicit_rollback_discards_writes_and_events(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.rooms.add(make_room("lobby"))
        uow.record(RoomCreated("lobby", "g_x"))
        uow.rollback()
    assert uow.collect_events() == []
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") is None


def test_commit_persists_and_releases_events_once(uow_factory: UnitOfWorkFactory) -> None:
    event = RoomCreated("lobby", "g_creator")
    with uow_factory(write=True) as uow:
        uow.rooms.add(make_room("lobby"))
        uow.record(event)
        assert uow.collect_events() == []
        uow.commit()
    assert uow.collect_events() == [event]
    assert uow.collect_events() == []
    with uow_factory() as uow:
        assert uow.rooms.get("lobby") is not None


def test_reads_see_own_uncommitted_writes_and_others_do_not(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "existing")
    room = make_room("lobby", settings=RoomSettings(message_limit=3))
    message = make_message("lobby", "hello")
    profile = UserProfile("g_me", "me", 5, avatar="https://example.org/a.png")
    membership = Membership("lobby", "g_me", Role.ADMIN, 5, "inc")

    with uow_factory(write=True) as uow:
        uow.rooms.add(room)
        uow.messages.add(message)
        uow.profiles.put(profile)
        uow.memberships.put(membership)

        assert uow.rooms.get("lobby") == room
        assert uow.messages.page("lobby", 10) == [message]
        assert uow.profiles.get("g_me") == profile
        assert uow.memberships.get("lobby", "g_me") == membership

        with uow_factory() as other:  # a concurrent reader sees committed state only
            assert other.rooms.get("lobby") is None
            assert other.rooms.get("existing") is not None
            assert other.profiles.get("g_me") is None
            assert other.messages.page("lobby", 10) == []
        uow.commit()

    with uow_factory() as uow:
        assert uow.messages.page("lobby", 10) == [message]
        assert uow.memberships.get("lobby", "g_me") == membership


def test_page_merges_committed_and_own_messages(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    ids = [IDS.message_id() for _ in range(4)]
    with uow_factory(write=True) as uow:
        uow.messages.add(make_message("lobby", "0", ids[0]))
        uow.messages.add(make_message("lobby", "2", ids[2]))
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.messages.add(make_message("lobby", "3", ids[3]))
        uow.messages.add(make_message("lobby", "1", ids[1]))
        assert [m.id for m in uow.messages.page("lobby", 3)] == [ids[3], ids[2], ids[1]]
        assert [m.id for m in uow.messages.page("lobby", 10, ids[3])] == [ids[2], ids[1], ids[0]]
        assert [m.id for m in uow.messages.page("lobby", 2, ids[2])] == [ids[1], ids[0]]


# --- messages ---------------------------------------------------------------------------


def test_message_pages_are_newest_first_per_room(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "a", "b")
    sent: dict[str, list[StoredMessage]] = {"a": [], "b": []}
    with uow_factory(write=True) as uow:
        for i in range(7):
            for room_id in ("a", "b"):
                message = make_message(room_id, f"{room_id}{i}")
                sent[room_id].append(message)
                uow.messages.add(message)
        uow.commit()

    with uow_factory() as uow:
        a_ids = [m.id for m in sent["a"]]
        page = uow.messages.page("a", 3)
        assert [m.id for m in page] == a_ids[::-1][:3]
        assert page[0] == sent["a"][-1]  # every field, ciphertext bytes included
        assert isinstance(page[0].ciphertext, bytes)

        before = uow.messages.page("a", 3, a_ids[4])
        assert [m.id for m in before] == [a_ids[3], a_ids[2], a_ids[1]]
        # The cursor need not be a message of this room (nor exist at all).
        b_cursor = sent["b"][4].id
        assert [m.id for m in uow.messages.page("a", 10, b_cursor)] == a_ids[4::-1]

        assert uow.messages.page("a", 10, a_ids[0]) == []
        assert uow.messages.page("a", 100) == sent["a"][::-1]
        assert uow.messages.page("b", 100) == sent["b"][::-1]
        assert uow.messages.page("missing", 10) == []


def test_add_many_stores_a_batch_across_rooms_in_one_unit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "a", "b")
    batch = [make_message(room_id, f"{room_id}{i}") for i in range(5) for room_id in ("a", "b")]
    with uow_factory(write=True) as uow:
        uow.messages.add_many([])  # nothing to do is not an error
        uow.messages.add_many(batch)
        assert len(uow.messages.page("a", 100)) == 5  # own writes are visible before commit
        uow.commit()
    with uow_factory() as uow:
        assert uow.messages.page("a", 100) == [m for m in batch if m.room_id == "a"][::-1]
        assert uow.messages.page("b", 100) == [m for m in batch if m.room_id == "b"][::-1]


def test_add_many_is_rolled_back_whole(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "a")
    with uow_factory(write=True) as uow:
        uow.messages.add_many([make_message("a", "lost 1"), make_message("a", "lost 2")])
    with uow_factory() as uow:
        assert uow.messages.page("a", 10) == []


def test_binary_ciphertext_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    blob = bytes(range(256)) * 64
    message = StoredMessage(IDS.message_id(), "lobby", "g_a", "Zoë 😀", blob, 2**41)
    with uow_factory(write=True) as uow:
        uow.messages.add(message)
        uow.commit()
    with uow_factory() as uow:
        assert uow.messages.page("lobby", 1) == [message]


# --- profiles and memberships -----------------------------------------------------------


def test_profile_put_twice_second_wins(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.profiles.put(UserProfile("g_1", "first", 1, avatar="a.png"))
        uow.commit()
    second = UserProfile("g_1", "second", 2, avatar=None)
    with uow_factory(write=True) as uow:
        uow.profiles.put(second)
        uow.commit()
    with uow_factory() as uow:
        assert uow.profiles.get("g_1") == second
        assert uow.profiles.get("g_2") is None


def test_profile_put_twice_in_one_unit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.profiles.put(UserProfile("g_1", "first", 1))
        uow.profiles.put(UserProfile("g_1", "second", 1, avatar="b.png"))
        assert uow.profiles.get("g_1") == UserProfile("g_1", "second", 1, avatar="b.png")
        uow.commit()
    with uow_factory() as uow:
        assert uow.profiles.get("g_1") == UserProfile("g_1", "second", 1, avatar="b.png")


def test_membership_put_twice_second_wins(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "a", "b")
    with uow_factory(write=True) as uow:
        uow.memberships.put(Membership("a", "g_1", Role.MEMBER, 1, "inc"))
        uow.memberships.put(Membership("b", "g_1", Role.MEMBER, 1, "inc"))
        uow.commit()
    promoted = Membership("a", "g_1", Role.ADMIN, 2, "inc")
    with uow_factory(write=True) as uow:
        uow.memberships.put(promoted)
        uow.commit()
    with uow_factory() as uow:
        assert uow.memberships.get("a", "g_1") == promoted
        loaded = uow.memberships.get("a", "g_1")
        assert loaded is not None
        assert loaded.role is Role.ADMIN
        assert uow.memberships.get("b", "g_1") == Membership("b", "g_1", Role.MEMBER, 1, "inc")
        assert uow.memberships.get("a", "g_2") is None


def test_membership_keeps_its_room_incarnation_and_a_new_one_replaces_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "a")
    with uow_factory(write=True) as uow:
        uow.memberships.put(Membership("a", "u_1", Role.MEMBER, 1, "first-incarnation"))
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.memberships.get("a", "u_1")
        assert loaded is not None
        assert loaded.incarnation == "first-incarnation"
    with uow_factory(write=True) as uow:
        uow.memberships.put(Membership("a", "u_1", Role.MEMBER, 2, "second-incarnation"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.memberships.get("a", "u_1") == Membership(
            "a", "u_1", Role.MEMBER, 2, "second-incarnation"
        )


# --- concurrency ------------------------------------------------------------------------


def _post_concurrently(
    factories: list[UnitOfWorkFactory], room_id: str, threads: int, per_thread: int
) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker(index: int) -> None:
        factory = factories[index % len(factories)]
        try:
            start.wait()
            for i in range(per_thread):
                # Read, then write, in one writing unit of work.
                with factory(write=True) as uow:
                    if uow.rooms.get(room_id) is None:
                        raise AssertionError("room vanished")
                    uow.messages.page(room_id, 1)
                    uow.messages.add(make_message(room_id, f"t{index}-{i}"))
                    uow.commit()
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in pool), "a writer is stuck"
    return errors


def test_concurrent_writers_all_commit(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "busy")
    errors = _post_concurrently([uow_factory], "busy", threads=8, per_thread=50)
    assert errors == []
    with uow_factory() as uow:
        rows = uow.messages.page("busy", 1000)
    assert len(rows) == 400
    assert len({m.id for m in rows}) == 400
    texts = {m.ciphertext for m in rows}
    assert texts == {f"\x00ct:t{t}-{i}".encode() for t in range(8) for i in range(50)}


def test_sqlite_writers_of_separate_engines_wait_instead_of_failing(sqlite_url: str) -> None:
    """Two engines share no in-process lock: BEGIN IMMEDIATE and busy_timeout serialize them."""
    engines: list[Engine] = []
    try:
        factories: list[UnitOfWorkFactory] = [
            migrated_factory(sqlite_url, engines),
            SqlUnitOfWorkFactory(make_engine(sqlite_url)),
        ]
        engines.append(factories[1].engine)  # type: ignore[attr-defined]
        add_rooms(factories[0], "busy")
        errors = _post_concurrently(factories, "busy", threads=8, per_thread=25)
        assert errors == []
        with factories[1]() as uow:
            assert len(uow.messages.page("busy", 1000)) == 200
    finally:
        for engine in engines:
            engine.dispose()
