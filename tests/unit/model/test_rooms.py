"""Room ids and room passwords."""

from __future__ import annotations

import pytest

from domain.model.errors import ErrorCode, InvalidInput
from domain.model.rooms import (
    PASSWORD_MAX_CHARS,
    PASSWORD_MIN_CHARS,
    Room,
    RoomId,
    RoomSettings,
    check_new_password,
    kept_messages,
)


@pytest.mark.parametrize(
    "value",
    ["a", "Z", "0", "_", "-", "general", "Room_42-b", "a" * 64, "A1_-z9" * 10 + "abcd"],
)
def test_room_id_accepts_letters_digits_underscore_dash(value: str) -> None:
    assert RoomId(value).value == value
    assert str(RoomId(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a" * 65,
        ".",
        "..",
        "/",
        "a/b",
        "../etc",
        "room.name",
        "room name",
        " room",
        "room\n",
        "café",  # unicode letter
        "комната",  # Cyrillic
        "ｒｏｏｍ",  # fullwidth Latin letters
        "room٣",  # Arabic-Indic digit (str.isdigit() is True for it)
        "😀",
        "a\x00b",
        "%2e",
    ],
)
def test_room_id_rejects_everything_else(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RoomId(value)
    assert caught.value.code is ErrorCode.INVALID_ROOM_ID


@pytest.mark.parametrize("value", [None, 42, b"room"])
def test_room_id_rejects_non_strings(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        RoomId(value)  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_ROOM_ID


def test_room_id_is_a_frozen_value() -> None:
    assert RoomId("abc") == RoomId("abc")
    assert hash(RoomId("abc")) == hash(RoomId("abc"))
    with pytest.raises(AttributeError):
        RoomId("abc").value = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "password",
    [
        "x" * PASSWORD_MIN_CHARS,
        "x" * PASSWORD_MAX_CHARS,
        "correct horse",
        "пароль-пароль",  # length counts characters, not bytes
        "\U0001f511" * PASSWORD_MIN_CHARS,
    ],
)
def test_new_password_within_bounds_is_accepted(password: str) -> None:
    assert check_new_password(password) == password


@pytest.mark.parametrize(
    "password",
    ["", "x", "x" * (PASSWORD_MIN_CHARS - 1), "x" * (PASSWORD_MAX_CHARS + 1), "é" * 7],
)
def test_new_password_out_of_bounds_is_refused(password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_new_password(password)
    assert caught.value.code is ErrorCode.INVALID_PASSWORD


def test_password_bounds_are_the_documented_ones() -> None:
    assert (PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS) == (8, 256)


def test_room_defaults() -> None:
    room = Room("r", "inc", "hash", "g_me", 1)
    assert room.password_version == 1
    assert room.settings == RoomSettings(message_limit=None)


def test_a_rooms_own_message_limit_wins_over_the_configured_default() -> None:
    assert kept_messages(RoomSettings(message_limit=3), 5) == 3
    assert kept_messages(RoomSettings(message_limit=3), 0) == 3
    assert kept_messages(RoomSettings(), 5) == 5
    assert kept_messages(RoomSettings(), 0) is None  # 0: every message is kept
