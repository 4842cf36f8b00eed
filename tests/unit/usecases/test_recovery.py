"""Idempotent sends and recovery over the memory adapters (the same rules as SQL's, which
tests/contract/test_delivery.py checks on every storage)."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.changes import (
    REASON_EPOCH,
    REASON_LIMIT,
    REASON_PRUNED,
    decode_reactions,
    encode_reactions,
    is_client_id,
    prune_due,
)
from domain.model.errors import ChatError
from domain.model.events import HistoryCleared, MessageDeleted, MessageEdited, MessagePosted
from domain.usecases.clear_history import clear_history
from domain.usecases.create_room import create_room
from domain.usecases.delete_message import delete_message
from domain.usecases.deps import CoreConfig, Outcome
from domain.usecases.edit_message import edit_message
from domain.usecases.recovery import Since, recover
from domain.usecases.send_message import SendCommand, send_message, send_messages
from tests.support import PASSWORD, World, member_claims, room_admin


def _room(world: World) -> str:
    create_room(world.deps, "lobby", PASSWORD)
    return world.store_factory.store.rooms["lobby"].incarnation


def test_client_ids_are_decided_on_the_decoded_string() -> None:
    assert is_client_id("a") and is_client_id("A-z_09" * 10 + "abcd")
    for bad in ("", "a" * 65, "abc\n", "a b", "ａ", "é", "a.b", "a\x00"):
        assert not is_client_id(bad), bad


def test_a_key_repeated_in_one_batch_or_later_is_one_message(world: World) -> None:
    _room(world)
    alice, bob = member_claims(world, "lobby", "alice"), member_claims(world, "lobby", "bob")
    results = send_messages(
        world.deps,
        [
            SendCommand(alice, "lobby", "one", client_id="k"),
            SendCommand(alice, "lobby", "one", client_id="k"),  # in the same batch
            SendCommand(bob, "lobby", "one", client_id="k"),  # another identity's key
        ],
    )
    first, repeat, theirs = (r for r in results if isinstance(r, Outcome))
    assert repeat.value.id == first.value.id and repeat.events == []
    assert theirs.value.id != first.value.id and len(theirs.events) == 1
    [later] = send_messages(world.deps, [SendCommand(alice, "lobby", "one", client_id="k")])
    assert isinstance(later, Outcome) and later.value.id == first.value.id and not later.events
    # Even once the message is deleted: the key stays with the room.
    delete_message(world.deps, alice, "lobby", first.value.id)
    [gone] = send_messages(world.deps, [SendCommand(alice, "lobby", "one", client_id="k")])
    assert isinstance(gone, Outcome) and gone.value.id == first.value.id and not gone.events
    assert len(world.store_factory.store.messages["lobby"]) == 1  # bob's


def test_a_refused_unit_gives_its_offsets_again(world: World) -> None:
    epoch = _room(world)
    alice = member_claims(world, "lobby", "alice")
    sent = send_message(world.deps, alice, "lobby", "hi").value
    with pytest.raises(ChatError):  # not hers to edit: nothing committed
        edit_message(world.deps, member_claims(world, "lobby"), "lobby", sent.id, "no")
    edited = edit_message(world.deps, alice, "lobby", sent.id, "hey")
    assert edited.events == [MessageEdited(edited.value, 2, epoch)]


def test_recovery_lists_the_changes_after_an_offset_in_order(world: World) -> None:
    epoch = _room(world)
    alice = member_claims(world, "lobby", "alice")
    one = send_message(world.deps, alice, "lobby", "one").value
    two = send_message(world.deps, alice, "lobby", "two").value
    edit_message(world.deps, alice, "lobby", one.id, "one!")
    delete_message(world.deps, alice, "lobby", two.id)

    got = recover(world.deps, alice, "lobby", Since(1, epoch)).value

    assert (got.recovered, got.offset, got.epoch) == (True, 4, epoch)
    # The post of `two` is left out (it is gone): its deletion says so.
    assert [type(e).__name__ for e in got.changes] == ["MessageEdited", "MessageDeleted"]
    edited, deleted = got.changes
    assert isinstance(edited, MessageEdited) and edited.message.text == "one!"
    assert (edited.offset, edited.epoch) == (3, epoch)
    assert deleted == MessageDeleted("lobby", two.id, 4, epoch)
    plain = recover(world.deps, alice, "lobby", None).value
    assert (plain.offset, plain.recovered, plain.changes) == (4, None, [])


def test_a_post_is_shown_as_it_is_now_and_a_clear_leaves_out_what_it_cleared(
    world: World,
) -> None:
    admin = room_admin(world, "lobby")
    epoch = world.store_factory.store.rooms["lobby"].incarnation
    alice = member_claims(world, "lobby", "alice")
    one = send_message(world.deps, alice, "lobby", "one").value
    edit_message(world.deps, alice, "lobby", one.id, "one!")

    posted = recover(world.deps, alice, "lobby", Since(0, epoch)).value.changes[0]

    assert isinstance(posted, MessagePosted) and posted.message.text == "one!"
    assert posted.offset == 1 and posted.message.offset == 2  # its last change
    clear_history(world.deps, admin, "lobby")
    after = send_message(world.deps, alice, "lobby", "after").value
    got = recover(world.deps, alice, "lobby", Since(0, epoch)).value
    assert got.recovered is True
    cleared, posted_after = got.changes
    assert cleared == HistoryCleared("lobby", 0, 3, epoch)
    assert isinstance(posted_after, MessagePosted) and posted_after.message.id == after.id


def test_not_recovered_past_the_limit_pruned_or_of_another_epoch(world: World) -> None:
    deps = dataclasses.replace(world.deps, config=CoreConfig(recovery_limit=8))
    epoch = _room(world)
    alice = member_claims(world, "lobby", "alice")
    for i in range(9):
        send_message(deps, alice, "lobby", f"m{i}")
    # 9 changes, every one kept (pruning is due every 8 // 8 = 1 change, to the newest 8:
    # offset 1 is gone, 2-9 are kept).
    assert recover(deps, alice, "lobby", Since(1, epoch)).value.recovered is True
    assert recover(deps, alice, "lobby", Since(0, epoch)).value.reason == REASON_PRUNED
    for i in range(8):
        send_message(deps, alice, "lobby", f"n{i}")
    over = recover(deps, alice, "lobby", Since(1, epoch)).value
    assert (over.recovered, over.reason, over.changes) == (False, REASON_PRUNED, [])
    assert recover(deps, alice, "lobby", Since(9, "other")).value.reason == REASON_EPOCH
    assert recover(deps, alice, "lobby", Since(18, epoch)).value.reason == REASON_EPOCH


def test_past_the_limit_while_still_kept_is_too_many(world: World) -> None:
    deps = dataclasses.replace(world.deps, config=CoreConfig(recovery_limit=16))
    epoch = _room(world)
    alice = member_claims(world, "lobby", "alice")
    # Pruning is due every 16 // 8 = 2 changes; 17 changes: offset 1 is still kept.
    for i in range(17):
        send_message(deps, alice, "lobby", f"m{i}")
    got = recover(deps, alice, "lobby", Since(0, epoch)).value
    assert (got.recovered, got.reason, got.offset) == (False, REASON_LIMIT, 17)
    assert recover(deps, alice, "lobby", Since(1, epoch)).value.recovered is True


def test_pruning_is_due_in_steps() -> None:
    assert prune_due(63, 64, 1000) and not prune_due(64, 65, 1000)
    assert prune_due(0, 1, 8) and prune_due(1, 2, 8)  # a step of 1
    assert prune_due(1, 2, 16) and not prune_due(2, 3, 16)  # a step of 2
    assert decode_reactions(encode_reactions({"👍": ["a", "b"]})) == {"👍": ["a", "b"]}
    assert decode_reactions(None) == {}
