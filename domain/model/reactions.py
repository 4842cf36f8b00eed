"""Reactions: one short emoji per reaction, toggled per identity, bounded per message.

A reaction is one emoji as a client would show it: a pictograph (with its variation
selector, skin tone or tag sequence), a flag (two regional indicators) or a keycap, or a
ZWJ sequence of those (a family). Letters, digits, punctuation and markup are refused, and
so are two emoji side by side. Python's standard library has no Extended_Pictographic
property: the ranges below are the blocks that hold it (an emoji-ish superset)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.model.errors import Conflict, ErrorCode, InvalidInput

MAX_REACTION_CODE_POINTS = 8  # a family of four is 7; a flag 2; 👍🏽 2
MAX_REACTION_BYTES = 32  # of UTF-8 (what 8 code points take at most: the column's bound)
MAX_REACTIONS_PER_MESSAGE = 20  # distinct emoji on one message

# emoji -> the user ids that reacted with it, earliest first
Reactions = dict[str, list[str]]

_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x2199),
    (0x21A9, 0x21AA),
    (0x231A, 0x231B),
    (0x2328, 0x2328),
    (0x2388, 0x2388),
    (0x23CF, 0x23CF),
    (0x23E9, 0x23F3),
    (0x23F8, 0x23FA),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25AB),
    (0x25B6, 0x25B6),
    (0x25C0, 0x25C0),
    (0x25FB, 0x25FE),
    (0x2600, 0x27BF),  # Miscellaneous Symbols, Dingbats
    (0x2934, 0x2935),
    (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F1E5),  # Mahjong, Domino, Playing cards, enclosed alphanumerics
    (0x1F200, 0x1F3FA),  # ... up to the skin tones
    (0x1F400, 0x1FAFF),  # pictographs, emoticons, transport, supplemental symbols
    (0x1FC00, 0x1FFFD),  # reserved for future emoji
)
_REGIONAL = (0x1F1E6, 0x1F1FF)
_SKIN_TONES = (0x1F3FB, 0x1F3FF)
_TAGS = (0xE0020, 0xE007F)  # subdivision flags (England, Scotland, Wales)
_ZWJ = 0x200D
_VARIATION = (0xFE0E, 0xFE0F)
_KEYCAP = 0x20E3
_KEYCAP_BASES = frozenset("0123456789#*")


def _within(cp: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= cp <= bounds[1]


def _pictographic(cp: int) -> bool:
    return any(low <= cp <= high for low, high in _PICTOGRAPHIC)


def _modifier(cp: int) -> bool:
    """What may follow a pictograph within one element."""
    return _within(cp, _VARIATION) or _within(cp, _SKIN_TONES) or _within(cp, _TAGS)


def _element(points: list[int], at: int) -> int | None:
    """The end of one emoji element starting at `at`, or None if none starts there."""
    cp = points[at]
    if chr(cp) in _KEYCAP_BASES:  # 1️⃣: a digit, #, or *, then (FE0F) 20E3
        end = at + 1
        if end < len(points) and points[end] == _VARIATION[1]:
            end += 1
        return end + 1 if end < len(points) and points[end] == _KEYCAP else None
    if _within(cp, _REGIONAL):  # a flag: exactly two regional indicators
        nxt = at + 1
        return nxt + 1 if nxt < len(points) and _within(points[nxt], _REGIONAL) else None
    if not _pictographic(cp):
        return None
    end = at + 1
    while end < len(points) and _modifier(points[end]):
        end += 1
    return end


def is_reaction(text: str) -> bool:
    """One emoji (elements joined by ZWJ), short: see the module's docstring."""
    if not text or len(text) > MAX_REACTION_CODE_POINTS:
        return False
    try:
        if len(text.encode("utf-8")) > MAX_REACTION_BYTES:
            return False
    except UnicodeEncodeError:  # lone surrogates
        return False
    points = [ord(c) for c in text]
    at = 0
    while True:
        end = _element(points, at)
        if end is None:
            return False
        if end == len(points):
            return True
        if points[end] != _ZWJ or end + 1 == len(points):
            return False  # two emoji side by side, or a trailing joiner
        at = end + 1


def check_reaction(text: str) -> str:
    if not is_reaction(text):
        raise InvalidInput(
            ErrorCode.INVALID_REACTION,
            f"a reaction is one emoji, at most {MAX_REACTION_CODE_POINTS} code points",
        )
    return text


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
    """(message id, user id, reaction, created_at_ms) rows as {message id: reactions}:
    emoji in the order of their first reaction, user ids earliest first (ties by reaction,
    then user id), so every store answers alike."""
    out: dict[str, Reactions] = {}
    for message_id, user_id, reaction, _ in sorted(rows, key=lambda r: (r[0], r[3], r[2], r[1])):
        out.setdefault(message_id, {}).setdefault(reaction, []).append(user_id)
    return out
