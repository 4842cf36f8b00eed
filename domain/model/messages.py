"""Messages: text rules and the stored (encrypted) form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.model.errors import ErrorCode, Forbidden, InvalidInput

DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024
DEFAULT_EDIT_WINDOW_S = 24 * 3600  # how long after sending its sender may edit a message
MAX_PAGE = 100
DEFAULT_PAGE = 50

_MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def check_text(text: str, max_bytes: int) -> str:
    """Message text: not empty or blank, at most `max_bytes` of UTF-8."""
    if not text.strip():
        raise InvalidInput(ErrorCode.MESSAGE_EMPTY, "message must not be empty")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates: JSON allows them, UTF-8 does not
        raise InvalidInput(
            ErrorCode.INVALID_MESSAGE, "message must be valid Unicode text"
        ) from None
    if size > max_bytes:
        raise InvalidInput(
            ErrorCode.MESSAGE_TOO_LONG, f"message must be at most {max_bytes} bytes of UTF-8"
        )
    return text


def check_page_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(ErrorCode.INVALID_LIMIT, f"limit must be 1-{MAX_PAGE}")
    return limit


def check_message_id(message_id: str) -> str:
    """A message id (a UUIDv7 string), as used for pagination cursors."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise InvalidInput(ErrorCode.INVALID_CURSOR, "before must be a message id")
    return message_id


def is_message_id(message_id: str) -> bool:
    return _MESSAGE_ID.fullmatch(message_id) is not None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as persisted: the text only as ciphertext. Ids sort by time."""

    id: str
    room_id: str
    user_id: str
    username: str
    ciphertext: bytes
    created_at_ms: int
    guest: bool = False  # the sender had no password (a room token or a guest profile)
    edited_at_ms: int | None = None  # when its text was last edited; None if never
    offset: int = 0  # the room's change offset of its last change (changes.py)


@dataclass(frozen=True, slots=True)
class Message:
    """A message as shown to room members. `unreadable`: stored, but no key opens it (its text
    is then empty); the rest of the row is shown, so one bad row never hides a page."""

    id: str
    room_id: str
    user_id: str
    username: str
    text: str
    created_at_ms: int
    unreadable: bool = False
    guest: bool = False  # the sender had no password (a room token or a guest profile)
    edited_at_ms: int | None = None  # when its text was last edited; None if never
    offset: int = 0  # the room's change offset of its last change (changes.py)


def check_edit(message: StoredMessage, user_id: str, now_ms: int, window_s: int) -> None:
    """Only its sender edits a message (NOT_SENDER; room admins neither), and only within
    `window_s` seconds of sending it (EDIT_WINDOW_CLOSED)."""
    if message.user_id != user_id:
        raise Forbidden(ErrorCode.NOT_SENDER, "only its sender may edit a message")
    if now_ms - message.created_at_ms > window_s * 1000:
        raise Forbidden(
            ErrorCode.EDIT_WINDOW_CLOSED,
            f"a message may be edited for {window_s} seconds after it was sent",
        )
