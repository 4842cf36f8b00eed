"""Domain errors. Each carries a wire-stable code; the entrypoints map codes to statuses.

    ChatError
    ├── InvalidInput            (400-class: a value breaks a domain rule)
    ├── NotFound                (a room, message or profile does not exist)
    ├── Conflict                (the thing already exists)
    ├── Unauthorized            (no valid credential: missing, expired, forged, revoked)
    │   └── RefreshTokenReused  (domain.model.accounts: a used refresh token came back)
    └── Forbidden               (a valid credential that does not grant this action)

Never rename a code: add a new one and deprecate the old.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Input
    INVALID_ROOM_ID = "invalid_room_id"
    INVALID_PASSWORD = "invalid_password"  # noqa: S105 - an error code, not a secret
    INVALID_USERNAME = "invalid_username"
    MESSAGE_EMPTY = "message_empty"
    MESSAGE_TOO_LONG = "message_too_long"
    INVALID_MESSAGE = "invalid_message"
    INVALID_LIMIT = "invalid_limit"
    INVALID_CURSOR = "invalid_cursor"
    INVALID_USER_ID = "invalid_user_id"
    RESERVED_USER_ID = "reserved_user_id"
    INVALID_AVATAR = "invalid_avatar"
    # Existence
    ROOM_NOT_FOUND = "room_not_found"
    ROOM_EXISTS = "room_exists"
    USERNAME_TAKEN = "username_taken"
    USER_ID_TAKEN = "user_id_taken"
    PROFILE_NOT_FOUND = "profile_not_found"
    # Access
    BAD_PASSWORD = "bad_password"  # noqa: S105 - an error code, not a secret
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_JOINED = "not_joined"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"  # noqa: S105 - an error code, not a secret
    IDENTITY_MISMATCH = "identity_mismatch"  # a payload's user_id is not the token's


class ChatError(Exception):
    """Base of every domain error: a stable code and a human message."""

    code: ErrorCode

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidInput(ChatError):
    """A value breaks a domain rule."""


class NotFound(ChatError):
    """The named thing does not exist."""


class Conflict(ChatError):
    """The thing already exists and is never overwritten."""


class Unauthorized(ChatError):
    """No valid credential was presented."""


class Forbidden(ChatError):
    """A valid credential that does not grant this action."""
