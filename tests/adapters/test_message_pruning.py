"""MessageRepository.prune on every storage: what is left is exactly the room's newest,
counted by the numbers add_many gives; on SQL the delete is one range of an index."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from sqlalchemy import Engine, text

from adapters.sqlalchemy.message_repositories import _PRUNE
from ports.unit_of_work import UnitOfWorkFactory
from tests.adapters.test_unit_of_work import add_rooms, make_message
from tests.support import migrated_factory


def _texts(factory: UnitOfWorkFactory, room_id: str) -> list[str]:
    """The room's stored messages, oldest first, as the text the test put in them."""
    with factory() as uow:
        page = uow.messages.page(room_id, 100)
    return [m.ciphertext.removeprefix(b"\x00ct:").decode() for m in reversed(page)]


def _add(factory: UnitOfWorkFactory, room_id: str, texts: list[str], keep: int | None) -> None:
    with factory(write=True) as uow:
        uow.messages.add_many([make_message(room_id, t) for t in texts])
        if keep is not None:
            uow.messages.prune(room_id, keep)
        uow.commit()


def test_prune_leaves_exactly_the_newest(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby", "other")
    _add(uow_factory, "lobby", [f"m{n}" for n in range(1, 9)], keep=5)
    _add(uow_factory, "other", [f"o{n}" for n in range(1, 9)], keep=None)
    assert _texts(uow_factory, "lobby") == ["m4", "m5", "m6", "m7", "m8"]
    _add(uow_factory, "lobby", ["m9"], keep=5)
    assert _texts(uow_factory, "lobby") == ["m5", "m6", "m7", "m8", "m9"]
    with uow_factory(write=True) as uow:  # one at a time, through add
        uow.messages.add(make_message("lobby", "m10"))
        uow.messages.prune("lobby", 2)
        uow.commit()
    assert _texts(uow_factory, "lobby") == ["m9", "m10"]
    assert len(_texts(uow_factory, "other")) == 8  # another room is never touched
    with uow_factory() as uow:
        assert uow.messages.count("lobby") == 2


def test_a_deleted_message_counts_in_the_window(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    _add(uow_factory, "lobby", ["a", "b", "c"], keep=3)
    with uow_factory(write=True) as uow:
        [newest] = uow.messages.page("lobby", 1)
        uow.messages.delete("lobby", newest.id)
        uow.commit()
    _add(uow_factory, "lobby", ["d"], keep=3)
    assert _texts(uow_factory, "lobby") == ["b", "d"]


def test_a_rolled_back_prune_deletes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    _add(uow_factory, "lobby", ["a", "b", "c"], keep=None)
    with uow_factory(write=True) as uow:
        uow.messages.add(make_message("lobby", "d"))
        uow.messages.prune("lobby", 1)
        uow.rollback()
    assert _texts(uow_factory, "lobby") == ["a", "b", "c"]
    _add(uow_factory, "lobby", ["e"], keep=2)
    assert _texts(uow_factory, "lobby") == ["c", "e"]


def test_two_writers_to_one_room_never_share_numbers(uow_factory: UnitOfWorkFactory) -> None:
    """The second writer waits for the first one's numbers (Postgres: the room row's lock;
    SQLite: the write lock), so the window stays exact whoever commits first."""
    add_rooms(uow_factory, "lobby")
    failures: list[BaseException] = []

    def second() -> None:
        try:
            _add(uow_factory, "lobby", ["y1", "y2"], keep=3)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    with uow_factory(write=True) as uow:
        uow.messages.add_many([make_message("lobby", t) for t in ("x1", "x2")])
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.2)  # the second writer is now waiting (or buffering, in memory)
        uow.messages.prune("lobby", 3)
        uow.commit()
    thread.join(10)
    assert not failures, failures
    assert len(_texts(uow_factory, "lobby")) == 3


def _plan(engine: Engine, explain: str, keep: int = 5) -> str:
    """The plan of the prune statement, as the adapter sends it."""
    compiled = _PRUNE.compile(dialect=engine.dialect)
    values = compiled.construct_params({"room": "lobby", "keep": keep})
    params: Any = values
    if compiled.positiontup is not None:
        params = tuple(values[name] for name in compiled.positiontup)
    with engine.begin() as conn:
        rows = conn.exec_driver_sql(f"{explain} {compiled}", params).fetchall()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def test_the_sqlite_prune_is_one_range_of_the_room_seq_index(sqlite_url: str) -> None:
    engines: list[Engine] = []
    try:
        migrated_factory(sqlite_url, engines)
        plan = _plan(engines[0], "EXPLAIN QUERY PLAN")
        assert "USING COVERING INDEX ix_messages_room_id_seq (room_id=? AND seq<?)" in plan
        assert "SCAN messages" not in plan, plan
        assert "SEARCH rooms USING INDEX sqlite_autoindex_rooms_1 (id=?)" in plan, plan
    finally:
        for engine in engines:
            engine.dispose()


def test_the_postgres_prune_uses_the_room_seq_index(postgres_url: str) -> None:
    engines: list[Engine] = []
    try:
        factory = migrated_factory(postgres_url, engines)
        add_rooms(factory, "lobby", "other")
        for room_id, size in (("lobby", 3000), ("other", 3000)):
            _add(factory, room_id, [str(n) for n in range(size)], keep=None)
        with engines[0].begin() as conn:
            conn.execute(text("ANALYZE messages"))
        # A write at the limit of 2,990: what falls out of the window is a few rows.
        plan = _plan(engines[0], "EXPLAIN", keep=2990)
        # An index scan (plain or bitmap) of (room_id, seq), bounded on both columns.
        assert re.search(r"Index Scan (using|on) ix_messages_room_id_seq", plan), plan
        assert re.search(r"Index Cond: .*room_id.*AND \(seq <=", plan), plan
        assert "Seq Scan" not in plan, plan
    finally:
        for engine in engines:
            engine.dispose()
