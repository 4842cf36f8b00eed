"""Guest profiles: identities a client names itself, with no password.

A guest profile is an account without a password (`User.password_hash` None): it lives in the
same store, so its `user_id` and its username key are unique across accounts and guest
profiles alike, and one constraint settles a race between the two kinds. It signs in once,
at creation, and lives on through refresh tokens; with no password it can never log in again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.model.errors import ErrorCode, InvalidInput

_USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Server-minted guest ids (room tokens) start with this: a client may never choose one.
RESERVED_USER_ID_PREFIX = "g_"
AVATAR_MAX_CHARS = 2048


def check_user_id(user_id: str) -> str:
    """A client-chosen user id: the room-id rule, not starting with the reserved `g_`."""
    if not _USER_ID.fullmatch(user_id):
        raise InvalidInput(
            ErrorCode.INVALID_USER_ID,
            "user id must be 1-64 characters of letters, digits, '_' or '-'",
        )
    if user_id.startswith(RESERVED_USER_ID_PREFIX):
        raise InvalidInput(
            ErrorCode.RESERVED_USER_ID,
            f"user ids starting with {RESERVED_USER_ID_PREFIX!r} are reserved for the server",
        )
    return user_id


def check_avatar(avatar: str) -> str:
    """An avatar: an absolute http(s) URL with a host, at most 2048 characters, no control,
    format or space characters. It is data: stored and returned as given, never fetched."""
    if not 1 <= len(avatar) <= AVATAR_MAX_CHARS:
        raise InvalidInput(
            ErrorCode.INVALID_AVATAR, f"avatar must be a URL of 1-{AVATAR_MAX_CHARS} characters"
        )
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in avatar):
        raise InvalidInput(
            ErrorCode.INVALID_AVATAR, "avatar must not contain spaces or control characters"
        )
    scheme, sep, rest = avatar.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    if not sep or scheme.lower() not in ("http", "https") or not host.strip(":"):
        raise InvalidInput(ErrorCode.INVALID_AVATAR, "avatar must be an http:// or https:// URL")
    return avatar


@dataclass(frozen=True, slots=True)
class PublicProfile:
    """What anyone may see of an identity: never a secret. `guest` for every identity
    without a password (guest profiles, and the guests of room tokens)."""

    user_id: str
    username: str
    avatar: str | None
    guest: bool
