"""Reactions: one emoji per reaction, toggled per identity, bounded per message.

A reaction is one emoji of Unicode's table (a pictograph with its skin tones, a flag, a
keycap, a ZWJ sequence such as a family), kept in its one fully-qualified form, so spellings
that look alike (with or without a variation selector) are one reaction. Which texts are
emoji is the table's to say (ports/text.py: EmojiTable); this module has only the rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from domain.model.errors import Conflict, ErrorCode, InvalidInput

# The longest fully-qualified emoji (a kiss with two skin tones) is 10 code points, 35 bytes
# of UTF-8; the column holds 32 characters. Longer input is refused without a lookup.
MAX_REACTION_CODE_POINTS = 10
MAX_REACTIONS_PER_MESSAGE = 20  # distinct emoji on one message

# emoji -> the user ids that reacted with it, earliest first
Reactions = dict[str, list[str]]


def check_reaction(text: str, canonical: Callable[[str], str | None]) -> str:
    """The one form of the emoji `text` spells, by the table's `canonical` (None: not an
    emoji it lists); anything else is INVALID_REACTION."""
    form = canonical(text) if 0 < len(text) <= MAX_REACTION_CODE_POINTS else None
    if form is None:
        raise InvalidInput(
            ErrorCode.INVALID_REACTION,
            "a reaction is one emoji of the Unicode emoji table",
        )
    return form


def reacted(reactions: Mapping[str, list[str]], reaction: str, user_id: str) -> bool:
    """Whether `user_id` holds this reaction (so a toggle takes it back)."""
    return user_id in reactions.get(reaction, ())


def check_room_for(reactions: Mapping[str, list[str]], reaction: str) -> None:
    """A new emoji on a message that has MAX_REACTIONS_PER_MESSAGE already is refused;
    joining one it has is always fine."""
    if reaction not in reactions and len(reactions) >= MAX_REACTIONS_PER_MESSAGE:
        raise Conflict(
            ErrorCode.TOO_MANY_REACTIONS,
            f"a message holds at most {MAX_REACTIONS_PER_MESSAGE} different reactions",
        )


def group(rows: list[tuple[str, str, str, int]]) -> dict[str, Reactions]:
    """(message id, user id, reaction, created_at_ms) rows as {message id: reactions}, in the
    one order every store answers alike: emoji by first reaction, user ids earliest first."""
    out: dict[str, Reactions] = {}
    for message_id, user_id, reaction, _ in sorted(rows, key=lambda r: (r[0], r[3], r[2], r[1])):
        out.setdefault(message_id, {}).setdefault(reaction, []).append(user_id)
    return out
