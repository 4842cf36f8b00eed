"""The ONE table from error code to HTTP status; both runtimes render errors through it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from domain.model.errors import ChatError, ErrorCode


class TransportCode(StrEnum):
    """Codes for problems found before a request reaches a use case."""

    INVALID_JSON = "invalid_json"
    INVALID_CONTENT_TYPE = "invalid_content_type"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    UNEXPECTED_FIELD = "unexpected_field"
    INVALID_QUERY = "invalid_query"
    INVALID_EVENT = "invalid_event"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    HEADERS_TOO_LARGE = "headers_too_large"
    REQUEST_LINE_TOO_LONG = "request_line_too_long"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BAD_REQUEST = "bad_request"
    INTERNAL_ERROR = "internal_error"
    PAGE_NOT_BUILT = "page_not_built"


Code = ErrorCode | TransportCode

STATUS: dict[Code, int] = {
    ErrorCode.INVALID_ROOM_ID: 400,
    ErrorCode.INVALID_PASSWORD: 400,
    ErrorCode.INVALID_USERNAME: 400,
    ErrorCode.MESSAGE_EMPTY: 400,
    ErrorCode.MESSAGE_TOO_LONG: 400,
    ErrorCode.INVALID_MESSAGE: 400,
    ErrorCode.INVALID_LIMIT: 400,
    ErrorCode.INVALID_CURSOR: 400,
    ErrorCode.INVALID_MESSAGE_ID: 400,
    ErrorCode.INVALID_MESSAGE_LIMIT: 400,
    ErrorCode.INVALID_USER_ID: 400,
    ErrorCode.INVALID_IP_POLICY: 400,
    ErrorCode.INVALID_ADDRESS: 400,
    ErrorCode.RANGE_TOO_WIDE: 400,
    ErrorCode.RESERVED_USER_ID: 400,
    ErrorCode.INVALID_AVATAR: 400,
    ErrorCode.INVALID_REACTION: 400,
    ErrorCode.TOO_MANY_REACTIONS: 409,
    ErrorCode.NOT_SENDER: 403,
    ErrorCode.EDIT_WINDOW_CLOSED: 403,
    ErrorCode.SESSION_EXPIRED: 401,
    ErrorCode.USER_ID_TAKEN: 409,
    ErrorCode.PROFILE_NOT_FOUND: 404,
    ErrorCode.IDENTITY_MISMATCH: 403,
    ErrorCode.ROOM_NOT_FOUND: 404,
    ErrorCode.MESSAGE_NOT_FOUND: 404,
    ErrorCode.MEMBER_NOT_FOUND: 404,
    ErrorCode.NETWORK_NOT_FOUND: 404,
    ErrorCode.ROOM_EXISTS: 409,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.INVALID_REFRESH_TOKEN: 401,
    ErrorCode.BAD_PASSWORD: 401,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_JOINED: 403,
    ErrorCode.ADMIN_REQUIRED: 403,
    ErrorCode.KICKED: 403,
    ErrorCode.BANNED: 403,
    ErrorCode.OWNER_PROTECTED: 403,
    ErrorCode.OWNER_REQUIRED: 403,
    ErrorCode.IP_NOT_VERIFIED: 403,
    ErrorCode.UNAVAILABLE: 503,
    TransportCode.INVALID_JSON: 400,
    TransportCode.INVALID_CONTENT_TYPE: 400,
    TransportCode.MISSING_FIELD: 400,
    TransportCode.INVALID_FIELD: 400,
    TransportCode.UNEXPECTED_FIELD: 400,
    TransportCode.INVALID_QUERY: 400,
    TransportCode.INVALID_EVENT: 400,
    TransportCode.PAYLOAD_TOO_LARGE: 413,
    TransportCode.HEADERS_TOO_LARGE: 431,
    TransportCode.REQUEST_LINE_TOO_LONG: 414,
    TransportCode.ORIGIN_NOT_ALLOWED: 403,
    TransportCode.RATE_LIMITED: 429,
    TransportCode.TOO_MANY_CONNECTIONS: 429,
    TransportCode.NOT_FOUND: 404,
    TransportCode.METHOD_NOT_ALLOWED: 405,
    TransportCode.BAD_REQUEST: 400,
    TransportCode.INTERNAL_ERROR: 500,
    TransportCode.PAGE_NOT_BUILT: 503,
}

# Framework HTTP errors (routing, body limits) mapped onto our codes.
HTTP_STATUS_CODES: dict[int, TransportCode] = {
    400: TransportCode.BAD_REQUEST,
    404: TransportCode.NOT_FOUND,
    405: TransportCode.METHOD_NOT_ALLOWED,
    413: TransportCode.PAYLOAD_TOO_LARGE,
    414: TransportCode.REQUEST_LINE_TOO_LONG,
    431: TransportCode.HEADERS_TOO_LARGE,
}


class RequestError(Exception):
    """A request that is malformed before any use case sees it."""

    def __init__(self, code: TransportCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_body(code: Code, message: str) -> dict[str, Any]:
    return {"error": message, "code": code.value}


def render(error: ChatError | RequestError) -> tuple[int, dict[str, Any]]:
    return STATUS[error.code], error_body(error.code, error.message)


_HTTP_MESSAGES = {
    TransportCode.NOT_FOUND: "no such endpoint",
    TransportCode.METHOD_NOT_ALLOWED: "method not allowed on this endpoint",
    TransportCode.PAYLOAD_TOO_LARGE: "request body too large",
    TransportCode.REQUEST_LINE_TOO_LONG: "request line too long",
    TransportCode.HEADERS_TOO_LARGE: "request headers too large or too many",
    TransportCode.BAD_REQUEST: "bad request",
}


def render_http_status(status: int) -> tuple[int, dict[str, Any]]:
    """A framework-raised HTTP error (routing, body limit) in our error shape."""
    if not 400 <= status < 500:
        return 500, INTERNAL
    code = HTTP_STATUS_CODES.get(status, TransportCode.BAD_REQUEST)
    return status, error_body(code, _HTTP_MESSAGES[code])


def error_ack(code: Code, message: str, retry_after: float | None = None) -> dict[str, Any]:
    """The ack of a refused socket event, the one place its shape is built (`retry_after`:
    the seconds to wait, for `rate_limited`)."""
    ack = {"ok": False, "status": "error", **error_body(code, message)}
    if retry_after is not None:
        ack["retry_after"] = int(retry_after)
    return ack


def failed_ack(error: ChatError | RequestError) -> dict[str, Any]:
    """The ack of a socket event whose handler raised `error` (`error_ack`); an outage's
    says when to try again, as its HTTP answer's `Retry-After` does."""
    retry = UNAVAILABLE_RETRY_S if error.code is ErrorCode.UNAVAILABLE else None
    return error_ack(error.code, error.message, retry)


# How long an `unavailable` answer asks a client to wait (Retry-After, the ack's retry_after).
UNAVAILABLE_RETRY_S = 1
INTERNAL_MESSAGE = "internal server error"
INTERNAL = error_body(TransportCode.INTERNAL_ERROR, INTERNAL_MESSAGE)
# The message of every `rate_limited` answer, HTTP or socket.
TOO_MANY_ATTEMPTS = "too many attempts; try again later"
