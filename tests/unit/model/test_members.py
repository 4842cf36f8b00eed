"""Display names."""

from __future__ import annotations

import pytest

from domain.model.errors import ErrorCode, InvalidInput
from domain.model.members import USERNAME_MAX_CHARS, check_username, default_username


@pytest.mark.parametrize(
    "name",
    ["a", "Alice", "alice bob", "Zoë", "李小龍", "😀", "x" * USERNAME_MAX_CHARS, "a b c"],
)
def test_valid_usernames(name: str) -> None:
    assert check_username(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "    ",
        "\u3000",  # ideographic space only
        "x" * (USERNAME_MAX_CHARS + 1),
    ],
)
def test_length_and_blank_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_username(name)
    assert caught.value.code is ErrorCode.INVALID_USERNAME


@pytest.mark.parametrize(
    "name",
    [
        "a\x00b",  # NUL
        "bell\x07",
        "new\nline",
        "tab\tbed",
        "del\x7f",
        "c1\x85control",
        "zero\u200bwidth",  # ZERO WIDTH SPACE (Cf)
        "zw\u200djoiner",  # ZERO WIDTH JOINER (Cf)
        "\ufeffbom",  # BYTE ORDER MARK (Cf)
        "rtl\u202eoverride",  # RIGHT-TO-LEFT OVERRIDE (Cf)
        "soft\u00adhyphen",  # SOFT HYPHEN (Cf)
        "line\u2028sep",  # LINE SEPARATOR (Zl)
        "para\u2029sep",  # PARAGRAPH SEPARATOR (Zp)
        "lone\ud800",  # surrogate (Cs)
    ],
)
def test_control_and_format_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_username(name)
    assert caught.value.code is ErrorCode.INVALID_USERNAME


def test_length_counts_characters() -> None:
    assert check_username("é" * USERNAME_MAX_CHARS) == "é" * USERNAME_MAX_CHARS
    assert USERNAME_MAX_CHARS == 32


def test_default_username_uses_the_guest_id() -> None:
    assert default_username("g_abcdefghij") == "guest-abcdef"
    assert check_username(default_username("g_abcdefghij"))


@pytest.mark.parametrize(
    "name",
    [
        "\u0301",  # a combining mark with no base (Mn)
        "\u0301\u0302\u0303",
        "\u20dd",  # COMBINING ENCLOSING CIRCLE (Me)
        "\u3164",  # HANGUL FILLER
        "\uffa0",  # HALFWIDTH HANGUL FILLER
        "\u115f",  # HANGUL CHOSEONG FILLER
        "\u1160",  # HANGUL JUNGSEONG FILLER
        "\u2800",  # BRAILLE PATTERN BLANK
        "\u2800 \u3164",
        " \u0301 ",
        "\u2003\u0301",  # EM SPACE (NFKC: a space) and a mark
    ],
)
def test_names_with_nothing_visible_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_username(name)
    assert caught.value.code is ErrorCode.INVALID_USERNAME


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Zoe\u0301", "Zo\u00e9"),  # decomposed accent composes
        ("\uff21\uff4c\uff49\uff43\uff45", "Alice"),  # fullwidth letters
        ("\u2163", "IV"),  # ROMAN NUMERAL FOUR
        ("\ufb01ne", "fine"),  # the fi ligature
        ("a\u3164b", "a\u1160b"),  # a filler beside visible letters is left alone
    ],
)
def test_names_are_stored_nfkc_normalized(typed: str, stored: str) -> None:
    assert check_username(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" Zoe", "Zoe"),
        ("Zoe ", "Zoe"),
        ("  Zoe  ", "Zoe"),
        ("Zoe  Smith", "Zoe Smith"),  # a run of spaces is one
        ("Zoe\u00a0Smith", "Zoe Smith"),  # NO-BREAK SPACE (NFKC: a space)
        ("\u3000Zoe\u3000", "Zoe"),  # IDEOGRAPHIC SPACE
        ("Zoe\u2003\u2009Smith", "Zoe Smith"),  # EM SPACE, THIN SPACE
        ("\u1680Zoe\u1680Smith", "Zoe Smith"),  # OGHAM SPACE MARK: NFKC keeps it, a space
        ("Zoe\u202f", "Zoe"),  # NARROW NO-BREAK SPACE
        ("Zoe\u2800", "Zoe"),  # BRAILLE PATTERN BLANK at an end
        ("\u3164 Zoe \u2800", "Zoe"),  # blanks and spaces mixed at both ends
        ("\uff3a\uff4f\uff45\u3000", "Zoe"),  # fullwidth, then an ideographic space
    ],
)
def test_outer_blanks_are_stripped_and_inner_spaces_folded(typed: str, stored: str) -> None:
    assert check_username(typed) == stored


def test_length_is_counted_after_spaces_fold() -> None:
    padded = " " * 40 + "x" * USERNAME_MAX_CHARS + " " * 40
    assert check_username(padded) == "x" * USERNAME_MAX_CHARS
    assert check_username("a" + " " * 60 + "b") == "a b"


def test_length_bounds_apply_after_normalization() -> None:
    # U+FDFA is one character that NFKC expands to eighteen.
    assert len(check_username("\ufdfa")) == 18
    with pytest.raises(InvalidInput):
        check_username("\ufdfa" * 2)
    # 33 typed characters that compose to 32 are accepted.
    assert check_username("e" * 31 + "e\u0301") == "e" * 31 + "\u00e9"
