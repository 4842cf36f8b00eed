"""Parsing and validating request bodies, queries and socket payloads. No I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from entrypoints.common.errors import RequestError, TransportCode


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_object(content_type: str | None, body: bytes) -> dict[str, Any]:
    """A JSON object body, or RequestError (content type, encoding, syntax, shape)."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime != "application/json":
        raise RequestError(
            TransportCode.INVALID_CONTENT_TYPE, "the request body must be application/json"
        )
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RequestError(
            TransportCode.INVALID_JSON, "the request body is not valid JSON"
        ) from None
    return expect_object(data, TransportCode.INVALID_JSON, "the request body must be a JSON object")


def expect_object(data: object, code: TransportCode, message: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RequestError(code, message)
    return data


def string_field(data: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    if name not in data or (data[name] is None and not required):
        if required:
            raise RequestError(TransportCode.MISSING_FIELD, f"'{name}' is required")
        return None
    value = data[name]
    if not isinstance(value, str):
        raise RequestError(TransportCode.INVALID_FIELD, f"'{name}' must be a string")
    return value


def required_string(data: Mapping[str, Any], name: str) -> str:
    value = string_field(data, name)
    assert value is not None
    return value


def int_query(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise RequestError(TransportCode.INVALID_QUERY, f"'{name}' must be a positive integer")
    return int(raw)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
