"""People: guest profiles and room membership with roles."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from domain.model.errors import ErrorCode, InvalidInput

USERNAME_MAX_CHARS = 32


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


def check_username(name: str) -> str:
    """A display name: 1-32 characters, no control or format characters, not only spaces."""
    if not 1 <= len(name) <= USERNAME_MAX_CHARS or not name.strip():
        raise InvalidInput(
            ErrorCode.INVALID_USERNAME, f"username must be 1-{USERNAME_MAX_CHARS} characters"
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        raise InvalidInput(
            ErrorCode.INVALID_USERNAME, "username must not contain control characters"
        )
    return name


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
    room_id: str
    user_id: str
    role: Role
    created_at_ms: int
