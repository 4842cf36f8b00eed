"""Page sessions: what lets a reloaded page go on where it was (the same room, the same
identity, a creator's admin rights) with no token in script-readable storage.

A page session is a family of opaque cookie values, each used once: a resume spends the
value presented and mints the next (only SHA-256s are stored), the refresh-token rule. A
value that comes back after it was spent means someone kept a copy: the session is revoked,
and with it the sign-in it continues, if any.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.model.errors import ErrorCode, Unauthorized
from domain.model.events import Event
from domain.model.members import Role

# What a session cookie's value may be: ours are 43 characters of URL-safe base64. Anything
# else (longer, other characters) is refused before any lookup.
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{16,128}")


def presentable_cookie_value(value: str) -> bool:
    return _COOKIE_VALUE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class PageSession:
    """One page's session in one room, with what renewing its token needs: a room token's
    role, versions and `session_start`, or a user token's sign-in (`family_id`)."""

    session_id: str
    room_id: str
    user_id: str
    username: str
    created_at_ms: int
    user_token: bool  # True: an account's (or guest profile's) sign-in; False: a room token's
    role: Role = Role.MEMBER
    incarnation: str = ""
    password_version: int = 0
    admin_version: int = 0
    guest: bool = True
    session_start: int = 0  # seconds: the guest session the room token continues
    family_id: str | None = None  # the sign-in it continues (a user token's, or a room token's)
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class SessionCookie:
    """One value of a page session's cookie, by hash only. `used` once a resume spent it."""

    token_hash: str
    session_id: str
    expires_at_ms: int
    created_at_ms: int
    used: bool = False

    def expired(self, now_ms: int) -> bool:
        return self.expires_at_ms <= now_ms


class SessionCookieReused(Unauthorized):
    """A spent session cookie came back: its session is revoked (already committed), and
    the sign-in it continues with it. `events` are what that commit released."""

    def __init__(self, events: Sequence[Event]) -> None:
        # The same answer as any invalid cookie: the caller learns nothing more.
        super().__init__(ErrorCode.INVALID_SESSION, "no session to resume")
        self.events = list(events)


def invalid_session() -> Unauthorized:
    return Unauthorized(ErrorCode.INVALID_SESSION, "no session to resume")
