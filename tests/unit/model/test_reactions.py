"""A reaction is one short emoji; a message holds a bounded number of different ones."""

from __future__ import annotations

import pytest

from domain.model.errors import Conflict, ErrorCode, InvalidInput
from domain.model.reactions import (
    MAX_REACTIONS_PER_MESSAGE,
    check_reaction,
    check_room_for,
    group,
    is_reaction,
    reacted,
)


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f44d",  # 👍
        "\u2764\ufe0f",  # ❤️ (a pictograph and its variation selector)
        "\u2764",  # ❤ (text presentation: still the pictograph)
        "\U0001f44d\U0001f3fd",  # 👍🏽 (a skin tone)
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # 👨‍👩‍👧 (ZWJ family)
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # 👨‍👩‍👧‍👦 (7 code points)
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466\ufe0f",  # 8: the most
        "\U0001f1eb\U0001f1f7",  # 🇫🇷 (two regional indicators)
        "1\ufe0f\u20e3",  # 1️⃣ (a keycap)
        "#\u20e3",  # #⃣
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "\U0001f600",  # 😀
        "\U0001f9d1\u200d\U0001f4bb",  # 🧑‍💻
        "\u2b50",  # ⭐
        "\U0001fae0",  # 🫠 (a recent one)
    ],
)
def test_one_emoji_is_a_reaction(emoji: str) -> None:
    assert is_reaction(emoji)
    assert check_reaction(emoji) == emoji


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
        "\U0001f44d" * 200,  # far too long
        "x" * 200,
        "\U0001f44d\U0001f600",  # two emoji side by side
        "\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea",  # two flags
        "\U0001f1eb",  # half a flag
        "\U0001f1eb\U0001f1f7\U0001f1e9",  # a flag and a half
        "\U0001f44d ",  # with a space
        " \U0001f44d",
        "\U0001f44da",  # with a letter
        "\u200d",  # a joiner alone
        "\U0001f44d\u200d",  # a trailing joiner
        "\u200d\U0001f44d",  # a leading one
        "\U0001f44d\u200d\u200d\U0001f600",  # two joiners
        "\ufe0f",  # a variation selector alone
        "\U0001f3fd",  # a skin tone alone
        "\U000e0067",  # a tag alone
        "\u20e3",  # a keycap mark alone
        "\ud83d",  # a lone surrogate
        "\ud83d\udc4d",  # a surrogate pair as two code points (not one)
        "\x00",
        "\u202e\U0001f44d",  # a direction override
        "\u00e9",  # é
        "\u4e2d",  # a CJK ideograph
        # 9 code points: over the bound, though one ZWJ sequence
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466\ufe0f\ufe0f",
    ],
)
def test_anything_but_one_short_emoji_is_refused(text: str) -> None:
    assert not is_reaction(text)
    with pytest.raises(InvalidInput) as caught:
        check_reaction(text)
    assert caught.value.code is ErrorCode.INVALID_REACTION


def test_a_message_holds_a_bounded_number_of_different_reactions() -> None:
    full = {chr(0x1F600 + i): ["g_a"] for i in range(MAX_REACTIONS_PER_MESSAGE)}
    check_room_for(full, "\U0001f600")  # joining one it has: fine
    check_room_for(dict(list(full.items())[:-1]), "\U0001f44d")  # one left
    with pytest.raises(Conflict) as caught:
        check_room_for(full, "\U0001f44d")
    assert caught.value.code is ErrorCode.TOO_MANY_REACTIONS


def test_reacted_says_whether_a_toggle_takes_a_reaction_back() -> None:
    reactions = {"\U0001f44d": ["g_a", "g_b"]}
    assert reacted(reactions, "\U0001f44d", "g_b")
    assert not reacted(reactions, "\U0001f44d", "g_c")
    assert not reacted(reactions, "\u2764\ufe0f", "g_a")


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
