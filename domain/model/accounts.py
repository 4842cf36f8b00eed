"""Accounts: users who sign in with a password, and the refresh tokens that keep them signed in.

A refresh token is an opaque random string; only its SHA-256 is stored. Every rotation
starts from one token of a family and mints the next; a token that comes back after it was
used means someone kept a copy, so its whole family is revoked.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from domain.model.errors import ErrorCode, Unauthorized
from domain.model.events import Event
from domain.model.rooms import is_text

# A presented refresh token longer than this is refused without a lookup; ours are 43.
REFRESH_TOKEN_MAX_CHARS = 256


def username_key(username: str) -> str:
    """The form two usernames are compared in: NFKC, case-folded, NFKC again (case folding
    can leave text unnormalized). `username` is what `check_username` returned."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def refresh_token_hash(token: str) -> str:
    """The stored form of a refresh token. Tokens are 256 random bits, so a fast hash is
    enough: no guess gets near them, and lookup by hash compares nothing secret."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def presentable_refresh_token(token: str) -> bool:
    """Whether a presented string could be a refresh token at all (else: refused unlooked)."""
    return 0 < len(token) <= REFRESH_TOKEN_MAX_CHARS and is_text(token)


@dataclass(frozen=True, slots=True)
class User:
    """An account, or a guest profile (no password: `password_hash` None). `username` is
    shown (NFKC); `username_key` is unique across both kinds, as `user_id` is."""

    user_id: str
    username: str
    username_key: str
    password_hash: str | None
    created_at_ms: int
    avatar: str | None = None

    @property
    def guest(self) -> bool:
        return self.password_hash is None


@dataclass(frozen=True, slots=True)
class RefreshFamily:
    """One sign-in: every refresh token rotated from it, and the access tokens they bought,
    live and die together."""

    family_id: str
    user_id: str
    created_at_ms: int
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """One refresh token of a family, by hash only. `used` once it was rotated."""

    token_hash: str
    family_id: str
    expires_at_ms: int
    created_at_ms: int
    used: bool = False

    def expired(self, now_ms: int) -> bool:
        return self.expires_at_ms <= now_ms


class RefreshTokenReused(Unauthorized):
    """A used refresh token came back: its family is now revoked (already committed).
    `events` are what that commit released (FamilyRevoked), for the entrypoint to act on."""

    def __init__(self, events: Sequence[Event]) -> None:
        # The same answer as any invalid refresh token: the caller learns nothing more.
        super().__init__(ErrorCode.INVALID_REFRESH_TOKEN, "the refresh token is not valid")
        self.events = list(events)
