"""Message text rules, page limits and cursors."""

from __future__ import annotations

import pytest

from adapters.system import UuidV7Generator
from domain.model.errors import ErrorCode, Forbidden, InvalidInput
from domain.model.messages import (
    DEFAULT_EDIT_WINDOW_S,
    DEFAULT_MAX_MESSAGE_BYTES,
    MAX_PAGE,
    StoredMessage,
    check_edit,
    check_message_id,
    check_page_limit,
    check_text,
)


@pytest.mark.parametrize("text", ["", " ", "   ", "\n", "\t\r\n ", "\u3000", "\u00a0\u2003"])
def test_empty_or_blank_text_is_message_empty(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_text(text, 100)
    assert caught.value.code is ErrorCode.MESSAGE_EMPTY


def test_text_of_exactly_max_bytes_is_accepted() -> None:
    ascii_text = "a" * 100
    assert check_text(ascii_text, 100) == ascii_text
    # 2-byte, 3-byte and 4-byte UTF-8 characters: exactly the budget.
    for char, width in (("é", 2), ("€", 3), ("😀", 4)):
        text = char * (100 // width) + "a" * (100 % width)
        assert len(text.encode("utf-8")) == 100
        assert check_text(text, 100) == text


@pytest.mark.parametrize(("char", "width"), [("é", 2), ("€", 3), ("😀", 4)])
def test_one_byte_over_with_multibyte_chars_is_message_too_long(char: str, width: int) -> None:
    # Few characters, but one byte over the budget once encoded.
    text = "a" * (101 - width) + char
    assert len(text.encode("utf-8")) == 101
    assert len(text) < 101
    with pytest.raises(InvalidInput) as caught:
        check_text(text, 100)
    assert caught.value.code is ErrorCode.MESSAGE_TOO_LONG


def test_limit_is_counted_in_bytes_not_characters() -> None:
    text = "😀" * 26  # 26 characters, 104 bytes
    with pytest.raises(InvalidInput) as caught:
        check_text(text, 100)
    assert caught.value.code is ErrorCode.MESSAGE_TOO_LONG


def test_default_limit_is_16_kib() -> None:
    assert DEFAULT_MAX_MESSAGE_BYTES == 16 * 1024
    check_text("x" * DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES)
    with pytest.raises(InvalidInput):
        check_text("x" * (DEFAULT_MAX_MESSAGE_BYTES + 1), DEFAULT_MAX_MESSAGE_BYTES)


@pytest.mark.parametrize("text", ["\ud800", "hi \udfff there", "a\ud83d", "\udc00b"])
def test_lone_surrogate_is_invalid_message(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_text(text, 100)
    assert caught.value.code is ErrorCode.INVALID_MESSAGE


def test_surrogate_check_does_not_hide_a_valid_astral_char() -> None:
    # A real astral character is one code point, not a surrogate pair, in Python.
    assert check_text("ok 😀", 100) == "ok 😀"


@pytest.mark.parametrize("limit", [1, 2, 50, MAX_PAGE])
def test_page_limit_within_bounds(limit: int) -> None:
    assert check_page_limit(limit) == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE + 1, 10**9])
def test_page_limit_out_of_bounds(limit: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_page_limit(limit)
    assert caught.value.code is ErrorCode.INVALID_LIMIT


def test_message_id_accepts_generated_uuid7() -> None:
    ids = UuidV7Generator()
    for _ in range(100):
        value = ids.message_id()
        assert check_message_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-a-uuid",
        "0b7e3a39-3d5e-4f8e-9b1a-7f6a2c1d9e40",  # version 4
        "01890a5d-ac96-774b-bcce-b302099a8057".upper(),  # uppercase hex
        "01890a5d-ac96-774b-7cce-b302099a8057",  # wrong variant
        "01890a5dac96774bbcceb302099a8057",  # no dashes
        "01890a5d-ac96-774b-bcce-b302099a8057 ",
        " 01890a5d-ac96-774b-bcce-b302099a8057",
        "01890a5d-ac96-774b-bcce-b302099a8057\n",
        "{01890a5d-ac96-774b-bcce-b302099a8057}",
        "01890a5d-ac96-774b-bcce-b302099a805",  # one digit short
    ],
)
def test_message_id_rejects_other_strings(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_message_id(value)
    assert caught.value.code is ErrorCode.INVALID_CURSOR


def test_message_id_accepts_a_known_uuid7() -> None:
    value = "01890a5d-ac96-774b-bcce-b302099a8057"
    assert check_message_id(value) == value


def _sent(user_id: str = "g_sender", at_ms: int = 1_000_000) -> StoredMessage:
    return StoredMessage("m", "lobby", user_id, "sender", b"ct", at_ms)


def test_its_sender_may_edit_a_message_up_to_the_end_of_the_window() -> None:
    check_edit(_sent(), "g_sender", 1_000_000, 60)
    check_edit(_sent(), "g_sender", 1_000_000 + 60_000, 60)  # the last millisecond


def test_anyone_else_may_not_edit_a_message() -> None:
    with pytest.raises(Forbidden) as caught:
        check_edit(_sent(), "g_admin", 1_000_000, 60)
    assert caught.value.code is ErrorCode.NOT_SENDER


def test_an_edit_after_the_window_is_refused() -> None:
    with pytest.raises(Forbidden) as caught:
        check_edit(_sent(), "g_sender", 1_000_000 + 60_001, 60)
    assert caught.value.code is ErrorCode.EDIT_WINDOW_CLOSED
    assert DEFAULT_EDIT_WINDOW_S == 24 * 3600
