"""domain/usecases/read_history.py: a room's history, page by page, decrypted.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet

from domain.model.errors import ErrorCode, InvalidInput
from domain.usecases.create_room import create_room
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from tests.support import PASSWORD, World, member_claims


def test_history_walks_pages_with_the_cursor(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    sent = []
    for i in range(250):
        world.clock.advance(ms=1)
        sent.append(send_message(world.deps, claims, "lobby", f"message {i}").value)
    sent_ids = [m.id for m in sent]
    assert sent_ids == sorted(sent_ids)

    first = read_history(world.deps, claims, "lobby", limit=100).value
    assert [m.text for m in first.messages] == [f"message {i}" for i in range(150, 250)]
    assert first.next_before == sent[150].id

    second = read_history(world.deps, claims, "lobby", 100, first.next_before).value
    assert [m.text for m in second.messages] == [f"message {i}" for i in range(50, 150)]
    assert second.next_before == sent[50].id

    third = read_history(world.deps, claims, "lobby", 100, second.next_before).value
    assert [m.text for m in third.messages] == [f"message {i}" for i in range(50)]
    assert third.next_before is None

    pages = third.messages + second.messages + first.messages
    assert pages == sent  # every field, decrypted, oldest first


def test_history_exactly_one_page_has_no_cursor(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    for i in range(3):
        send_message(world.deps, claims, "lobby", f"m{i}")
    page = read_history(world.deps, claims, "lobby", limit=3).value
    assert [m.text for m in page.messages] == ["m0", "m1", "m2"]
    assert page.next_before is None


def test_empty_history(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    page = read_history(world.deps, claims, "lobby").value
    assert page.messages == []
    assert page.next_before is None


def test_history_is_per_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    in_a, in_b = member_claims(world, "a"), member_claims(world, "b")
    send_message(world.deps, in_a, "a", "for a")
    send_message(world.deps, in_b, "b", "for b")
    assert [m.text for m in read_history(world.deps, in_a, "a").value.messages] == ["for a"]
    assert [m.text for m in read_history(world.deps, in_b, "b").value.messages] == ["for b"]


@pytest.mark.parametrize(
    ("limit", "before", "code"),
    [
        (0, None, ErrorCode.INVALID_LIMIT),
        (101, None, ErrorCode.INVALID_LIMIT),
        (10, "not-a-message-id", ErrorCode.INVALID_CURSOR),
    ],
)
def test_history_validates_limit_and_cursor(
    world: World, limit: int, before: str | None, code: ErrorCode
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    with pytest.raises(InvalidInput) as caught:
        read_history(world.deps, claims, "lobby", limit, before)
    assert caught.value.code is code


def test_history_marks_a_message_no_key_opens_and_serves_the_rest(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby", "dana")
    sent = []
    for text in ("first", "lost", "last"):
        world.clock.advance(ms=1)
        sent.append(send_message(world.deps, claims, "lobby", text).value)
    rows = world.store_factory.store.messages["lobby"]
    foreign = Fernet(Fernet.generate_key()).encrypt(b"lost")
    rows[1] = replace(rows[1], ciphertext=foreign)

    with caplog.at_level("WARNING", logger="securechat.history"):
        page = read_history(world.deps, claims, "lobby").value

    assert [m.text for m in page.messages] == ["first", "", "last"]
    assert [m.unreadable for m in page.messages] == [False, True, False]
    assert page.messages[1] == replace(sent[1], text="", unreadable=True)
    assert [r.getMessage() for r in caplog.records] == [
        f"message {sent[1].id} in room lobby cannot be decrypted with the configured keys; "
        "shown as unreadable"
    ]
