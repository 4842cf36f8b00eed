"""domain/usecases/send_message.py: one message, validated and stored encrypted.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

import pytest

from domain.model.errors import ErrorCode, InvalidInput
from domain.model.events import MessagePosted
from domain.usecases.create_room import create_room
from domain.usecases.send_message import send_message
from tests.support import PASSWORD, World, member_claims


def test_send_message_releases_the_posted_event(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby", "alice")
    outcome = send_message(world.deps, claims, "lobby", "hello")

    message = outcome.value
    assert message.text == "hello"
    assert message.room_id == "lobby"
    assert message.user_id == claims.user_id
    assert message.username == "alice"
    assert message.created_at_ms == world.clock.now_ms()
    assert message.offset == 1  # the room's first change
    assert outcome.events == [
        MessagePosted(message, 1, world.store_factory.store.rooms["lobby"].incarnation)
    ]


def test_messages_are_stored_encrypted(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    text = "the launch code is 0000 — ünïcödé"
    message = send_message(world.deps, claims, "lobby", text).value

    (stored,) = world.store_factory.store.messages["lobby"]
    assert stored.id == message.id
    assert isinstance(stored.ciphertext, bytes)
    assert text.encode("utf-8") not in stored.ciphertext
    assert b"launch" not in stored.ciphertext
    assert world.cipher.decrypt(stored.ciphertext) == text.encode("utf-8")
    assert not hasattr(stored, "text")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   ", ErrorCode.MESSAGE_EMPTY),
        ("x" * (16 * 1024 + 1), ErrorCode.MESSAGE_TOO_LONG),
        ("bad \ud800", ErrorCode.INVALID_MESSAGE),
    ],
)
def test_send_message_validates_text_and_stores_nothing(
    world: World, text: str, code: ErrorCode
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    with pytest.raises(InvalidInput) as caught:
        send_message(world.deps, claims, "lobby", text)
    assert caught.value.code is code
    assert world.store_factory.store.messages == {}
