"""domain/usecases/edit_message.py over the memory adapters: its sender replaces a message's
text within the window, encrypted anew; every refusal changes nothing."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.errors import ChatError, ErrorCode
from domain.model.events import MessageEdited
from domain.model.policies import Claims
from domain.usecases.access import authenticate
from domain.usecases.create_room import create_room
from domain.usecases.deps import CoreConfig
from domain.usecases.edit_message import edit_message
from domain.usecases.join_as_member import join_as_member
from domain.usecases.react import react
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from tests.support import PASSWORD, World, member_claims, signed_in_user


def _room(world: World, room_id: str = "lobby") -> Claims:
    return authenticate(world.deps, create_room(world.deps, room_id, PASSWORD).value.admin_token)


def _texts(world: World, room_id: str = "lobby") -> list[bytes]:
    rows = world.store_factory.store.messages.get(room_id, [])
    return [world.cipher.decrypt(row.ciphertext) for row in rows]


def _refused(code: ErrorCode, call: object) -> None:
    assert callable(call)
    with pytest.raises(ChatError) as caught:
        call()
    assert caught.value.code is code


def test_its_sender_edits_a_message_encrypted_anew_and_history_shows_it(world: World) -> None:
    _room(world)
    alice = member_claims(world, "lobby", "alice")
    sent = send_message(world.deps, alice, "lobby", "helo").value
    react(world.deps, alice, "lobby", sent.id, "\U0001f44d")
    before = world.store_factory.store.messages["lobby"][0].ciphertext
    world.clock.advance(seconds=30)

    out = edit_message(world.deps, alice, "lobby", sent.id, "hello")

    edited = out.value
    assert (edited.id, edited.text, edited.user_id) == (sent.id, "hello", alice.user_id)
    assert edited.edited_at_ms == world.clock.now_ms()
    assert edited.created_at_ms == sent.created_at_ms
    # The third change: the post, the reaction, then the edit.
    assert edited.offset == 3
    assert out.events == [
        MessageEdited(edited, 3, world.store_factory.store.rooms["lobby"].incarnation)
    ]
    [row] = world.store_factory.store.messages["lobby"]
    assert row.ciphertext != before and b"hello" not in row.ciphertext
    assert _texts(world) == [b"hello"]
    page = read_history(world.deps, alice, "lobby").value
    assert page.messages == [edited]
    assert page.reactions == {sent.id: {"\U0001f44d": [alice.user_id]}}  # kept


def test_a_user_member_edits_its_own_message(world: World) -> None:
    _room(world)
    _, claims = signed_in_user(world, "carol")
    join_as_member(world.deps, claims, "lobby", PASSWORD)
    sent = send_message(world.deps, claims, "lobby", "draft").value

    out = edit_message(world.deps, claims, "lobby", sent.id, "final", user_id=claims.user_id)

    assert out.value.text == "final" and _texts(world) == [b"final"]


def test_only_its_sender_may_edit_not_even_an_admin(world: World) -> None:
    admin = _room(world)
    alice, bob = member_claims(world, "lobby", "alice"), member_claims(world, "lobby", "bob")
    sent = send_message(world.deps, alice, "lobby", "mine").value

    for other in (bob, admin):
        _refused(
            ErrorCode.NOT_SENDER, lambda o=other: edit_message(world.deps, o, "lobby", sent.id, "x")
        )
    assert _texts(world) == [b"mine"]
    assert world.store_factory.store.messages["lobby"][0].edited_at_ms is None


def test_an_edit_after_the_window_is_refused(world: World) -> None:
    _room(world)
    alice = member_claims(world, "lobby", "alice")
    deps = dataclasses.replace(world.deps, config=CoreConfig(edit_window_s=60))
    sent = send_message(deps, alice, "lobby", "v1").value
    world.clock.advance(seconds=60)
    assert edit_message(deps, alice, "lobby", sent.id, "v2").value.text == "v2"  # just in time
    world.clock.advance(ms=1)

    _refused(
        ErrorCode.EDIT_WINDOW_CLOSED, lambda: edit_message(deps, alice, "lobby", sent.id, "v3")
    )
    assert _texts(world) == [b"v2"]
    # The default window is a day.
    assert CoreConfig().edit_window_s == 24 * 3600


def test_refusals_change_nothing(world: World) -> None:
    _room(world)
    _room(world, "other")
    alice = member_claims(world, "lobby", "alice")
    stranger = member_claims(world, "other", "stranger")
    sent = send_message(world.deps, alice, "lobby", "kept").value
    theirs = send_message(world.deps, stranger, "other", "theirs").value
    deps = world.deps
    too_long = "x" * (deps.config.max_message_bytes + 1)

    for code, call in (
        (ErrorCode.FORBIDDEN, lambda: edit_message(deps, stranger, "lobby", sent.id, "x")),
        (ErrorCode.MESSAGE_NOT_FOUND, lambda: edit_message(deps, alice, "lobby", theirs.id, "x")),
        (ErrorCode.MESSAGE_NOT_FOUND, lambda: edit_message(deps, stranger, "other", sent.id, "x")),
        (
            ErrorCode.IDENTITY_MISMATCH,
            lambda: edit_message(deps, alice, "lobby", sent.id, "x", user_id=stranger.user_id),
        ),
        (ErrorCode.MESSAGE_EMPTY, lambda: edit_message(deps, alice, "lobby", sent.id, "  ")),
        (ErrorCode.MESSAGE_TOO_LONG, lambda: edit_message(deps, alice, "lobby", sent.id, too_long)),
        (ErrorCode.INVALID_MESSAGE, lambda: edit_message(deps, alice, "lobby", sent.id, "\ud800")),
        (ErrorCode.INVALID_MESSAGE_ID, lambda: edit_message(deps, alice, "lobby", "7", "x")),
    ):
        _refused(code, call)
    assert _texts(world) == [b"kept"] and _texts(world, "other") == [b"theirs"]
    assert all(
        row.edited_at_ms is None
        for rows in world.store_factory.store.messages.values()
        for row in rows
    )
