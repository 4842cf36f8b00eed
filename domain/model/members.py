"""People: guest profiles and room membership with roles."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.model.errors import ErrorCode, InvalidInput

USERNAME_MAX_CHARS = 32


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class Standing(StrEnum):
    """Where an identity stands in a room: in it, kicked out for a while, or banned."""

    ACTIVE = "active"
    KICKED = "kicked"  # until `Membership.until_ms`; then it may come back the way it came
    BANNED = "banned"  # until an admin unbans it


# Characters that draw nothing: marks with no base, format characters, separators and
# controls by category; a few letters and symbols that are blank by design, listed here.
_INVISIBLE_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Cc", "Cs", "Zs", "Zl", "Zp"})
_BLANK_CHARACTERS = frozenset(
    "\u115f\u1160"  # HANGUL CHOSEONG / JUNGSEONG FILLER (U+3164 and U+FFA0 normalize to U+1160)
    "\u3164\uffa0"  # HANGUL FILLER, HALFWIDTH HANGUL FILLER
    "\u2800"  # BRAILLE PATTERN BLANK
)
_OUTER_BLANKS = " " + "".join(sorted(_BLANK_CHARACTERS))


def check_username(name: str) -> str:
    """A display name in its one stored form (NFKC, outer blanks stripped, inner runs one space):
    1-32 characters, no control or format characters, at least one visible character."""
    # One spelling per name: fullwidth letters, ligatures and decomposed accents fold here.
    name = unicodedata.normalize("NFKC", name)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        raise InvalidInput(
            ErrorCode.INVALID_USERNAME, "username must not contain control characters"
        )
    # " Zoe", "Zoe " and "Zo  e" render as "Zoe" and "Zo e": one name each, not two.
    name = fold_spaces(name)
    if not 1 <= len(name) <= USERNAME_MAX_CHARS:
        raise InvalidInput(
            ErrorCode.INVALID_USERNAME, f"username must be 1-{USERNAME_MAX_CHARS} characters"
        )
    if not any(_is_visible(ch) for ch in name):
        raise InvalidInput(ErrorCode.INVALID_USERNAME, "username must contain a visible character")
    return name


def fold_spaces(name: str) -> str:
    """`name` with every run of whitespace (str.isspace: any Unicode space) made one
    U+0020, and blanks (whitespace and the blank characters) stripped from both ends."""
    return " ".join(name.split()).strip(_OUTER_BLANKS)


def _is_visible(ch: str) -> bool:
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_CHARACTERS


def default_username(user_id: str) -> str:
    return f"guest-{user_id.removeprefix('g_')[:6]}"


@dataclass(frozen=True, slots=True)
class UserProfile:
    user_id: str
    username: str
    created_at_ms: int
    avatar: str | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's place in one room incarnation: a room deleted and re-created under the same
    id is another room, which a membership of the old one never opens."""

    room_id: str
    user_id: str
    role: Role
    created_at_ms: int
    incarnation: str
    standing: Standing = Standing.ACTIVE
    until_ms: int | None = None  # the end of a kick


def barred_by(holds: Iterable[int | None], now_ms: int) -> Standing | None:
    """What an address's bars come to: any ban (None) bans it; else a kick's hold still
    running (an end after `now_ms`) keeps it out; else nothing."""
    ends = list(holds)
    if any(until is None for until in ends):
        return Standing.BANNED
    if any(until is not None and until > now_ms for until in ends):
        return Standing.KICKED
    return None
