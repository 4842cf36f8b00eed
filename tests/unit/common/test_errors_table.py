"""The one table from error code to HTTP status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.model.errors import (
    ChatError,
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from entrypoints.common.errors import (
    HTTP_STATUS_CODES,
    INTERNAL,
    STATUS,
    RequestError,
    TransportCode,
    error_ack,
    error_body,
    failed_ack,
    render,
    render_http_status,
)


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_domain_code_has_a_status(code: ErrorCode) -> None:
    assert code in STATUS
    assert 400 <= STATUS[code] <= 599


@pytest.mark.parametrize("code", list(TransportCode))
def test_every_transport_code_has_a_status(code: TransportCode) -> None:
    assert code in STATUS
    assert 400 <= STATUS[code] <= 599


def test_the_table_has_exactly_the_known_codes() -> None:
    values = [c.value for c in ErrorCode] + [c.value for c in TransportCode]
    # Codes are compared by value (StrEnum): two enums sharing a value would share a row.
    assert len(values) == len(set(values))
    assert len(STATUS) == len(values)
    assert {str(code) for code in STATUS} == set(values)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput(ErrorCode.INVALID_ROOM_ID, "bad id"), 400),
        (NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room"), 404),
        (Conflict(ErrorCode.ROOM_EXISTS, "exists"), 409),
        (Unauthorized(ErrorCode.BAD_PASSWORD, "wrong"), 401),
        (Unauthorized(ErrorCode.UNAUTHORIZED, "expired"), 401),
        (Forbidden(ErrorCode.FORBIDDEN, "not yours"), 403),
        (RequestError(TransportCode.INVALID_JSON, "bad json"), 400),
        (RequestError(TransportCode.PAYLOAD_TOO_LARGE, "too big"), 413),
        (RequestError(TransportCode.METHOD_NOT_ALLOWED, "no"), 405),
        (RequestError(TransportCode.INTERNAL_ERROR, "oops"), 500),
    ],
)
def test_render_gives_status_and_error_body(error: ChatError | RequestError, status: int) -> None:
    rendered_status, body = render(error)
    assert rendered_status == status
    assert body == {"error": error.message, "code": error.code.value}
    assert set(body) == {"error", "code"}
    assert type(body["code"]) is str


@pytest.mark.parametrize("code", list(ErrorCode) + list(TransportCode))
def test_render_works_for_every_code(code: ErrorCode | TransportCode) -> None:
    error = ChatError(code, "m") if isinstance(code, ErrorCode) else RequestError(code, "m")
    status, body = render(error)
    assert status == STATUS[code]
    assert body == {"error": "m", "code": str(code)}


def test_error_body_and_the_error_acks() -> None:
    assert error_body(ErrorCode.FORBIDDEN, "no") == {"error": "no", "code": "forbidden"}
    assert error_ack(TransportCode.RATE_LIMITED, "wait", retry_after=2.7) == {
        "ok": False,
        "status": "error",
        "error": "wait",
        "code": "rate_limited",
        "retry_after": 2,
    }
    assert failed_ack(NotFound(ErrorCode.ROOM_NOT_FOUND, "gone")) == {
        "ok": False,
        "status": "error",
        "error": "gone",
        "code": "room_not_found",
    }
    assert INTERNAL == {"error": "internal server error", "code": "internal_error"}


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (404, "not_found"),
        (405, "method_not_allowed"),
        (413, "payload_too_large"),
    ],
)
def test_framework_statuses_map_onto_our_codes(status: int, code: str) -> None:
    rendered_status, body = render_http_status(status)
    assert rendered_status == status
    assert body["code"] == code
    assert STATUS[HTTP_STATUS_CODES[status]] == status


def test_unknown_client_error_is_a_bad_request_and_server_errors_are_internal() -> None:
    assert render_http_status(418) == (418, {"error": "bad request", "code": "bad_request"})
    assert render_http_status(502) == (500, INTERNAL)
    assert render_http_status(302) == (500, INTERNAL)


def test_every_error_ack_is_built_by_error_ack() -> None:
    """errors.error_ack is the one builder of a socket error ack: no other production module
    spells its shape."""
    root = Path(__file__).resolve().parents[3]
    spelled = [
        str(path.relative_to(root))
        for package in ("entrypoints", "domain", "adapters")
        for path in sorted((root / package).rglob("*.py"))
        if re.search(r"""["']ok["']\s*:\s*False""", path.read_text())
    ]
    assert spelled == ["entrypoints/common/errors.py"]
