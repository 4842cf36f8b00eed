"""What reactions and edits ask of storage, on every backend: toggling a reaction, reading a
page's reactions in one statement, replacing a message's text; and reactions going with
their message however it goes (deleted, cleared, its room deleted, or removed by any other
path, as pruning will), checked in the store itself."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import event, text

from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from domain.model.errors import ErrorCode, NotFound
from ports.unit_of_work import UnitOfWorkFactory
from tests.adapters.test_unit_of_work import add_rooms, make_message

THUMBS, HEART, FLAG = "\U0001f44d", "\u2764\ufe0f", "\U0001f1eb\U0001f1f7"


def _messages(factory: UnitOfWorkFactory, room_id: str, count: int) -> list[str]:
    messages = [make_message(room_id, f"m{i}") for i in range(count)]
    with factory(write=True) as uow:
        uow.messages.add_many(messages)
        uow.commit()
    return [m.id for m in messages]


def _toggle(
    factory: UnitOfWorkFactory, room_id: str, message_id: str, user_id: str, reaction: str, at: int
) -> bool:
    with factory(write=True) as uow:
        on = uow.reactions.toggle(room_id, message_id, user_id, reaction, at)
        uow.commit()
    return on


def _stored_rows(factory: UnitOfWorkFactory) -> set[tuple[str, str, str, str]]:
    """Every reaction row as the store holds it, read past the repositories."""
    if isinstance(factory, MemoryUnitOfWorkFactory):
        with factory.store.lock:
            return {
                (room_id, message_id, *key)
                for room_id, messages in factory.store.reactions.items()
                for message_id, rows in messages.items()
                for key in rows
            }
    assert isinstance(factory, SqlUnitOfWorkFactory)
    with factory.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT room_id, message_id, user_id, reaction FROM message_reactions")
        )
        return {(r[0], r[1], r[2], r[3]) for r in rows}


def test_a_toggle_adds_then_takes_back_and_pages_read_them_grouped(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    first, second, bare = _messages(uow_factory, "lobby", 3)

    assert _toggle(uow_factory, "lobby", first, "g_b", HEART, 2) is True
    assert _toggle(uow_factory, "lobby", first, "g_a", THUMBS, 1) is True
    assert _toggle(uow_factory, "lobby", first, "g_c", THUMBS, 3) is True
    assert _toggle(uow_factory, "lobby", second, "g_a", FLAG, 4) is True
    assert _toggle(uow_factory, "lobby", first, "g_a", HEART, 5) is True
    assert _toggle(uow_factory, "lobby", first, "g_b", HEART, 6) is False  # taken back

    with uow_factory() as uow:
        got = uow.reactions.of_messages("lobby", [first, second, bare])
        assert uow.reactions.of_messages("lobby", []) == {}
        assert uow.reactions.of_messages("other", [first]) == {}  # keyed by room too
    assert got == {first: {THUMBS: ["g_a", "g_c"], HEART: ["g_a"]}, second: {FLAG: ["g_a"]}}
    assert list(got[first]) == [THUMBS, HEART]  # by first reaction
    assert len(_stored_rows(uow_factory)) == 4


def test_a_unit_reads_its_own_toggles_and_a_rollback_keeps_none(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    (message_id,) = _messages(uow_factory, "lobby", 1)
    with uow_factory(write=True) as uow:
        assert uow.reactions.toggle("lobby", message_id, "g_a", THUMBS, 1) is True
        assert uow.reactions.of_messages("lobby", [message_id]) == {message_id: {THUMBS: ["g_a"]}}
        assert uow.reactions.toggle("lobby", message_id, "g_a", THUMBS, 2) is False
        assert uow.reactions.of_messages("lobby", [message_id]) == {}
        uow.reactions.toggle("lobby", message_id, "g_b", HEART, 3)
        uow.rollback()
    assert _stored_rows(uow_factory) == set()


def test_a_pages_reactions_are_one_statement(uow_factory: UnitOfWorkFactory) -> None:
    add_rooms(uow_factory, "lobby")
    ids = _messages(uow_factory, "lobby", 5)
    for i, message_id in enumerate(ids):
        _toggle(uow_factory, "lobby", message_id, "g_a", THUMBS, i)
    statements: list[str] = []
    if isinstance(uow_factory, SqlUnitOfWorkFactory):

        def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
            statements.append(statement)

        event.listen(uow_factory.engine, "before_cursor_execute", seen)
    with uow_factory() as uow:
        got = uow.reactions.of_messages("lobby", ids)
    assert got == {message_id: {THUMBS: ["g_a"]} for message_id in ids}
    if isinstance(uow_factory, SqlUnitOfWorkFactory):
        event.remove(uow_factory.engine, "before_cursor_execute", seen)
        assert len([s for s in statements if "message_reactions" in s]) == 1


def test_reactions_go_with_a_deleted_message_a_cleared_history_and_a_deleted_room(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby", "other", "gone")
    deleted, kept = _messages(uow_factory, "lobby", 2)
    (elsewhere,) = _messages(uow_factory, "other", 1)
    (in_gone,) = _messages(uow_factory, "gone", 1)
    for room_id, message_id in (
        ("lobby", deleted),
        ("lobby", kept),
        ("other", elsewhere),
        ("gone", in_gone),
    ):
        _toggle(uow_factory, room_id, message_id, "g_a", THUMBS, 1)
        _toggle(uow_factory, room_id, message_id, "g_b", HEART, 2)
    assert len(_stored_rows(uow_factory)) == 8

    with uow_factory(write=True) as uow:
        uow.messages.delete("lobby", deleted)
        uow.commit()
    assert {row[1] for row in _stored_rows(uow_factory)} == {kept, elsewhere, in_gone}

    with uow_factory(write=True) as uow:
        uow.messages.clear("lobby")
        uow.commit()
    assert {row[1] for row in _stored_rows(uow_factory)} == {elsewhere, in_gone}

    with uow_factory(write=True) as uow:
        gone = uow.rooms.get("gone")
        assert gone is not None
        uow.rooms.delete("gone", gone.incarnation)
        uow.commit()
    assert {row[1] for row in _stored_rows(uow_factory)} == {elsewhere}
    with uow_factory() as uow:
        assert uow.reactions.of_messages("other", [elsewhere]) == {
            elsewhere: {THUMBS: ["g_a"], HEART: ["g_b"]}
        }


def test_a_pruned_message_takes_its_reactions(uow_factory: UnitOfWorkFactory) -> None:
    """SQL's foreign key cascades; memory's one removal helper drops them."""
    add_rooms(uow_factory, "lobby")
    old, new = _messages(uow_factory, "lobby", 2)
    for message_id in (old, new):
        _toggle(uow_factory, "lobby", message_id, "g_a", THUMBS, 1)
    with uow_factory(write=True) as uow:
        uow.messages.prune("lobby", 1)
        uow.commit()
    assert _stored_rows(uow_factory) == {("lobby", new, "g_a", THUMBS)}


def test_a_reaction_to_a_message_deleted_before_the_commit_is_dropped_with_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    (message_id,) = _messages(uow_factory, "lobby", 1)
    with uow_factory(write=True) as uow:
        uow.messages.delete("lobby", message_id)
        uow.commit()
    if isinstance(uow_factory, MemoryUnitOfWorkFactory):
        # Memory applies on commit: a toggle read before the delete lands nowhere.
        with uow_factory(write=True) as uow:
            uow.reactions.toggle("lobby", message_id, "g_a", THUMBS, 1)
            uow.commit()
    else:
        # SQL's foreign key refuses it, as the message that is not there.
        with pytest.raises(NotFound) as caught, uow_factory(write=True) as uow:
            uow.reactions.toggle("lobby", message_id, "g_a", THUMBS, 1)
        assert caught.value.code is ErrorCode.MESSAGE_NOT_FOUND
    assert _stored_rows(uow_factory) == set()


def test_update_text_replaces_the_ciphertext_and_marks_the_message_edited(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    message = make_message("lobby", "before")
    other = make_message("lobby", "untouched")
    with uow_factory(write=True) as uow:
        uow.messages.add_many([message, other])
        uow.commit()
    assert message.edited_at_ms is None

    with uow_factory(write=True) as uow:
        uow.messages.update_text("lobby", message.id, b"\x00ct:after", 1_700_000_000_500)
        uow.messages.update_text("other", message.id, b"\x00ct:wrong room", 1)  # no such row
        edited = uow.messages.get("lobby", message.id)  # its own write, before the commit
        uow.commit()

    expected = dataclasses.replace(
        message, ciphertext=b"\x00ct:after", edited_at_ms=1_700_000_000_500
    )
    assert edited == expected
    with uow_factory() as uow:
        assert uow.messages.get("lobby", message.id) == expected
        assert uow.messages.get("lobby", other.id) == other
        assert sorted(uow.messages.page("lobby", 10), key=lambda m: m.id) == sorted(
            [expected, other], key=lambda m: m.id
        )


def test_an_edit_of_a_message_deleted_meanwhile_leaves_it_deleted(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_rooms(uow_factory, "lobby")
    (message_id,) = _messages(uow_factory, "lobby", 1)
    with uow_factory(write=True) as uow:
        uow.messages.delete("lobby", message_id)
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.messages.update_text("lobby", message_id, b"\x00ct:late", 5)
        uow.commit()
    with uow_factory() as uow:
        assert uow.messages.get("lobby", message_id) is None
        assert uow.messages.page("lobby", 10) == []
