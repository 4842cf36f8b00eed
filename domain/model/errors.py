"""Domain errors. Each carries a wire-stable code; the entrypoints map codes to statuses.

    ChatError
    ├── InvalidInput            (400-class: a value breaks a domain rule)
    ├── NotFound                (a room, message or profile does not exist)
    ├── Conflict                (the thing already exists)
    ├── Unauthorized            (no valid credential: missing, expired, forged, revoked)
    │   └── RefreshTokenReused  (domain.model.accounts: a used refresh token came back)
    ├── Forbidden               (a valid credential that does not grant this action)
    └── Unavailable             (a part the service needs, e.g. the database, is unreachable)

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
    INVALID_MESSAGE_ID = "invalid_message_id"
    INVALID_MESSAGE_LIMIT = "invalid_message_limit"
    INVALID_USER_ID = "invalid_user_id"
    RESERVED_USER_ID = "reserved_user_id"
    INVALID_AVATAR = "invalid_avatar"
    INVALID_IP_POLICY = "invalid_ip_policy"
    INVALID_ADDRESS = "invalid_address"
    RANGE_TOO_WIDE = "range_too_wide"
    INVALID_REACTION = "invalid_reaction"
    # Existence
    ROOM_NOT_FOUND = "room_not_found"
    ROOM_EXISTS = "room_exists"
    MESSAGE_NOT_FOUND = "message_not_found"
    MEMBER_NOT_FOUND = "member_not_found"
    NETWORK_NOT_FOUND = "network_not_found"
    USERNAME_TAKEN = "username_taken"
    USER_ID_TAKEN = "user_id_taken"
    PROFILE_NOT_FOUND = "profile_not_found"
    TOO_MANY_REACTIONS = "too_many_reactions"  # a message's distinct emoji are all taken
    # Access
    BAD_PASSWORD = "bad_password"  # noqa: S105 - an error code, not a secret
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_JOINED = "not_joined"
    ADMIN_REQUIRED = "admin_required"
    KICKED = "kicked"
    BANNED = "banned"
    OWNER_PROTECTED = "owner_protected"
    OWNER_REQUIRED = "owner_required"
    IP_NOT_VERIFIED = "ip_not_verified"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"  # noqa: S105 - an error code, not a secret
    IDENTITY_MISMATCH = "identity_mismatch"  # a payload's user_id is not the token's
    NOT_SENDER = "not_sender"  # only a message's sender may edit it
    EDIT_WINDOW_CLOSED = "edit_window_closed"  # a message is editable for a while only
    SESSION_EXPIRED = "session_expired"  # a guest session past its lifetime: no renewal
    # Service
    UNAVAILABLE = "unavailable"  # the database (or another part) cannot be reached now


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


class Unavailable(ChatError):
    """A part the service depends on cannot be reached now; the same request may succeed
    shortly (nothing of it was stored)."""

    def __init__(self, message: str = "the service is unavailable; try again shortly") -> None:
        super().__init__(ErrorCode.UNAVAILABLE, message)
