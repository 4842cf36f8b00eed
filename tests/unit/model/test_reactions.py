"""A reaction is one emoji of Unicode's table, in one form; a message holds a bounded number
of different ones. The table is the real one (adapters/text/emoji_table.py)."""

from __future__ import annotations

import pytest

from adapters.text.emoji_table import UnicodeEmojiTable
from domain.model.errors import Conflict, ErrorCode, InvalidInput
from domain.model.reactions import (
    MAX_REACTION_CODE_POINTS,
    MAX_REACTIONS_PER_MESSAGE,
    check_reaction,
    check_room_for,
    group,
    reacted,
)

THUMBS = "\U0001f44d"
HEART = "\u2764\ufe0f"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
KISS = "\U0001f9d1\U0001f3ff\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f9d1\U0001f3fe"


@pytest.mark.parametrize(
    "emoji",
    [
        THUMBS,  # 👍
        HEART,  # ❤️ (a pictograph and its variation selector)
        "\U0001f44d\U0001f3fd",  # 👍🏽 (a skin tone)
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # 👨‍👩‍👧 (ZWJ family)
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # 👨‍👩‍👧‍👦
        "\U0001f1eb\U0001f1f7",  # 🇫🇷 (two regional indicators)
        "1\ufe0f\u20e3",  # 1️⃣ (a keycap)
        "#\ufe0f\u20e3",  # #️⃣
        ENGLAND,  # a tag sequence the table lists
        "\U0001f600",  # 😀
        "\U0001f9d1\u200d\U0001f4bb",  # 🧑‍💻
        "\u2b50",  # ⭐
        "\U0001fae0",  # 🫠 (a recent one)
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # 🏳️‍🌈
        "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f",  # 👁️‍🗨️
        KISS,  # 10 code points: the longest
    ],
)
def test_a_fully_qualified_emoji_is_kept_as_it_is(
    emoji: str, emoji_table: UnicodeEmojiTable
) -> None:
    assert check_reaction(emoji, emoji_table.canonical) == emoji


@pytest.mark.parametrize(
    ("spelling", "form"),
    [
        (THUMBS + "\ufe0f", THUMBS),  # VS16 on an emoji-presentation emoji
        (THUMBS + "\ufe0e", THUMBS),  # VS15: text presentation asked for
        ("\u2764", HEART),  # unqualified ❤
        ("\u2764\ufe0e", HEART),
        ("\u00a9", "\u00a9\ufe0f"),  # ©
        ("1\u20e3", "1\ufe0f\u20e3"),  # an unqualified keycap
        ("#\u20e3", "#\ufe0f\u20e3"),
        ("\U0001f3f3\u200d\U0001f308", "\U0001f3f3\ufe0f\u200d\U0001f308"),  # 🏳‍🌈
        ("\U0001f441\u200d\U0001f5e8\ufe0f", "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f"),
        ("\U0001f441\ufe0f\u200d\U0001f5e8", "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f"),
        (
            "\U0001f9d1\U0001f3ff\u200d\u2764\u200d\U0001f48b\u200d\U0001f9d1\U0001f3fe",
            KISS,
        ),
    ],
)
def test_spellings_that_look_alike_have_one_form(
    spelling: str, form: str, emoji_table: UnicodeEmojiTable
) -> None:
    assert check_reaction(spelling, emoji_table.canonical) == form
    assert check_reaction(form, emoji_table.canonical) == form


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "a",
        "abc",
        "1",  # a digit without its keycap
        "#",
        "!",
        "<b>",
        "<script>alert(1)</script>",
        THUMBS * 200,  # far too long
        "x" * 200,
        THUMBS + "\U0001f600",  # two emoji side by side
        "\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea",  # two flags
        "\U0001f1eb",  # half a flag
        "\U0001f1eb\U0001f1f7\U0001f1e9",  # a flag and a half
        "\U0001f1fd\U0001f1fd",  # two regional indicators that are no country
        THUMBS + " ",  # with a space
        " " + THUMBS,
        THUMBS + "a",  # with a letter
        "\u200d",  # a joiner alone
        THUMBS + "\u200d",  # a trailing joiner
        "\u200d" + THUMBS,  # a leading one
        THUMBS + "\u200d\u200d\U0001f600",  # two joiners
        THUMBS + "\u200d\U0001f600",  # a ZWJ sequence the table does not list
        "\ufe0f",  # a variation selector alone
        THUMBS + "\ufe0f\ufe0f",  # two of them
        THUMBS + "\ufe0e\ufe0f",  # both kinds
        "\u2764\ufe0f\ufe0f",
        "\u2764\ufe0f\ufe0e",
        THUMBS + "\U0001f3fd\U0001f3fd",  # a skin tone repeated
        THUMBS + "\U0001f3fb\U0001f3ff",  # two skin tones
        THUMBS + "\U0001f3fd\ufe0f",  # a tone, then a selector
        "\u2b50\U0001f3fd",  # a tone on what takes none
        "\U0001f3fd",  # a skin tone alone (a component)
        "\U0001f9b0",  # red hair alone (a component)
        THUMBS + "\U000e0067\U000e007f",  # trailing tags on what is no flag
        THUMBS + "\U000e007f",  # a cancel tag alone after it
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067",  # England, no cancel
        "\U0001f3f4\U000e0078\U000e0078\U000e0078\U000e007f",  # a region no table lists
        ENGLAND + "\U000e0067",  # a tag after the flag
        "\U000e0067",  # a tag alone
        "\u20e3",  # a keycap mark alone
        "a\u20e3",  # a keycap on a letter
        "1\ufe0e\u20e3",  # a keycap with the text selector
        "\U0001fc00",  # unassigned
        "\U0001fffd",
        "\U0001f130",  # 🄰 SQUARED LATIN CAPITAL LETTER A
        "\U0001f1a0",  # an enclosed alphanumeric that is no emoji
        "\u2460",  # ① CIRCLED DIGIT ONE
        "\ud83d",  # a lone surrogate
        "\ud83d\udc4d",  # a surrogate pair as two code points (not one)
        "\x00",
        "\u202e" + THUMBS,  # a direction override
        "\u00e9",  # é
        "\u4e2d",  # a CJK ideograph
        KISS + "\ufe0f",  # 11 code points: over the bound
    ],
)
def test_anything_but_one_listed_emoji_is_refused(
    text: str, emoji_table: UnicodeEmojiTable
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_reaction(text, emoji_table.canonical)
    assert caught.value.code is ErrorCode.INVALID_REACTION


def test_text_over_the_bound_is_refused_without_a_lookup() -> None:
    asked: list[str] = []

    def table(text: str) -> str:
        asked.append(text)
        return text

    assert check_reaction("x" * MAX_REACTION_CODE_POINTS, table) == "x" * 10
    with pytest.raises(InvalidInput):
        check_reaction("x" * (MAX_REACTION_CODE_POINTS + 1), table)
    with pytest.raises(InvalidInput):
        check_reaction("", table)
    assert asked == ["x" * MAX_REACTION_CODE_POINTS]


def test_the_bound_admits_every_emoji_of_the_table(emoji_table: UnicodeEmojiTable) -> None:
    assert emoji_table.longest == MAX_REACTION_CODE_POINTS


def test_a_message_holds_a_bounded_number_of_different_reactions() -> None:
    full = {chr(0x1F600 + i): ["g_a"] for i in range(MAX_REACTIONS_PER_MESSAGE)}
    check_room_for(full, "\U0001f600")  # joining one it has: fine
    check_room_for(dict(list(full.items())[:-1]), "\U0001f44d")  # one left
    with pytest.raises(Conflict) as caught:
        check_room_for(full, "\U0001f44d")
    assert caught.value.code is ErrorCode.TOO_MANY_REACTIONS


def test_reacted_says_whether_a_toggle_takes_a_reaction_back() -> None:
    reactions = {THUMBS: ["g_a", "g_b"]}
    assert reacted(reactions, THUMBS, "g_b")
    assert not reacted(reactions, THUMBS, "g_c")
    assert not reacted(reactions, HEART, "g_a")


def test_group_orders_emoji_by_first_reaction_and_users_earliest_first() -> None:
    rows = [
        ("m1", "g_c", "B", 5),
        ("m1", "g_b", "A", 2),
        ("m2", "g_a", "A", 1),
        ("m1", "g_a", "B", 3),
        ("m1", "g_z", "A", 2),  # a tie on time: by user id
    ]
    assert group(rows) == {"m1": {"A": ["g_b", "g_z"], "B": ["g_a", "g_c"]}, "m2": {"A": ["g_a"]}}
    assert list(group(rows)["m1"]) == ["A", "B"]
    assert group([]) == {}
