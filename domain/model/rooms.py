"""Rooms: identity, settings and the credential material that guards them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.model.addresses import IpPolicy
from domain.model.errors import ErrorCode, InvalidInput

_ROOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 256
MESSAGE_LIMIT_MAX = 1_000_000


@dataclass(frozen=True, slots=True)
class RoomId:
    """1-64 characters of A-Z, a-z, 0-9, '_' and '-'."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _ROOM_ID.fullmatch(self.value):
            raise InvalidInput(
                ErrorCode.INVALID_ROOM_ID,
                "room id must be 1-64 characters of letters, digits, '_' or '-'",
            )

    def __str__(self) -> str:
        return self.value


def check_new_password(password: str) -> str:
    """A room password as a creator may set it."""
    if not PASSWORD_MIN_CHARS <= len(password) <= PASSWORD_MAX_CHARS:
        raise InvalidInput(
            ErrorCode.INVALID_PASSWORD,
            f"password must be {PASSWORD_MIN_CHARS}-{PASSWORD_MAX_CHARS} characters",
        )
    if not is_text(password):
        raise InvalidInput(ErrorCode.INVALID_PASSWORD, "password must be valid Unicode text")
    return password


def is_text(value: str) -> bool:
    """True unless the string holds lone surrogates (JSON allows them; UTF-8 cannot encode them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def worth_hashing(guess: object) -> bool:
    """Whether a password guess could equal a stored password (a string of at most
    PASSWORD_MAX_CHARS, no lone surrogates), so is worth an argon2 hash."""
    # Anything else is refused without hashing, and counts under no per-room budget
    # (entrypoints/common/admission.py).
    return isinstance(guess, str) and len(guess) <= PASSWORD_MAX_CHARS and is_text(guess)


def check_message_limit(limit: int | None) -> int | None:
    """How many messages a room keeps: 0 for all (unlimited, whatever the server's
    default), else 1-MESSAGE_LIMIT_MAX; None (no limit of its own) is the caller's."""
    if limit is not None and not 0 <= limit <= MESSAGE_LIMIT_MAX:
        raise InvalidInput(
            ErrorCode.INVALID_MESSAGE_LIMIT,
            f"message_limit must be null (the server's default), 0 (unlimited) or "
            f"1-{MESSAGE_LIMIT_MAX}",
        )
    return limit


def kept_messages(settings: RoomSettings, default: int) -> int | None:
    """How many of its newest messages a room keeps: its own `message_limit`, else the
    server's `default`; 0 in either means every message, returned as None."""
    if settings.message_limit is not None:
        return settings.message_limit or None
    return default or None


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """Per-room settings; message_limit None takes the server's default (which by default
    keeps every message), 0 keeps every message whatever the default."""

    message_limit: int | None = None
    ip_policy: IpPolicy = IpPolicy.OFF


@dataclass(slots=True)
class Room:
    """A chat room. Each version kills the tokens minted before it changed: `incarnation` when
    the id is reused, `password_version` with the password, `admin_version` on a rotation."""

    id: str
    incarnation: str
    password_hash: str
    created_by: str
    created_at_ms: int
    password_version: int = 1
    admin_version: int = 1
    # The admin password's argon2id hash, if the creator set one (never the join password).
    admin_password_hash: str | None = None
    settings: RoomSettings = field(default_factory=RoomSettings)
    # Whom the owner handed the room to (domain/usecases/ownership.py); None: the creator.
    owner_id: str | None = None

    @property
    def owner(self) -> str:
        """The identity that holds the room: no co-admin can demote, kick, ban or lock it
        out, and only it rotates its admin token or hands the room on."""
        return self.owner_id or self.created_by
