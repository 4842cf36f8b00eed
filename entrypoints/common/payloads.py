"""Parsing and validating request bodies, queries and socket payloads. No I/O.

`parse_json_object` checks what arrived is a JSON object (content type, encoding, syntax, no
key named twice at any depth);
`decode` gives it the shape its schema (schemas_*.py) names, or refuses it with a stable code
and a message that names the field.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
import msgspec.inspect

from entrypoints.common.errors import RequestError, TransportCode

S = TypeVar("S", bound=msgspec.Struct)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _Duplicate(ValueError):
    """An object names a key twice (RFC 8259 leaves the meaning open: we refuse it)."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # One meaning per body: every reader of it (admission, the schema) sees the same field.
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _Duplicate
    return data


def parse_json_object(content_type: str | None, body: bytes) -> dict[str, Any]:
    """A JSON object body, or RequestError (content type, encoding, syntax, shape)."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime != "application/json":
        raise RequestError(
            TransportCode.INVALID_CONTENT_TYPE, "the request body must be application/json"
        )
    try:
        data = json.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_unique
        )
    except _Duplicate:
        raise RequestError(
            TransportCode.INVALID_JSON, "the request body names a field twice"
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RequestError(
            TransportCode.INVALID_JSON, "the request body is not valid JSON"
        ) from None
    return expect_object(data, TransportCode.INVALID_JSON, "the request body must be a JSON object")


def expect_object(data: object, code: TransportCode, message: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RequestError(code, message)
    return data


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


# msgspec's errors read "Object missing required field `x`", "Object contains unknown field
# `x`" or "Expected `str`, got `int` - at `$.x`" (no nesting: our inputs are flat).
_MISSING = re.compile(r"^Object missing required field `(?P<name>.*)`", re.DOTALL)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>.*)`", re.DOTALL)
_MISTYPED = re.compile(
    r"^Expected `(?P<type>[^`]*)`, got `[^`]*` - at `\$\.(?P<name>.*)`$", re.DOTALL
)
_KINDS = {"str": "a string", "int": "an integer", "bool": "true or false", "object": "an object"}
_SHOWN_NAME = 64  # a field name the client made up is echoed at most this long


def decode(schema: type[S], data: Mapping[str, Any]) -> S:
    """`data` (a JSON object) as `schema`, or RequestError: `missing_field`, `invalid_field`
    or `unexpected_field`, its message naming the field."""
    try:
        return msgspec.convert(_integral(data), schema)
    except msgspec.ValidationError as error:
        raise _refusal(str(error)) from None


_EXACT_FLOAT = 2**53  # beyond this a JSON number does not say which integer it is


def _integral(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Top-level floats that are whole numbers as integers (`10.0` is 10); a field that is not
    an integer still refuses the number."""
    # JSON has numbers, not integers and floats (JSON Schema's `integer` agrees), and a client
    # whose language writes every number with a point is not wrong. Top level only: our
    # inputs are flat.
    if not any(isinstance(value, float) for value in data.values()):
        return data
    return {
        name: int(value)
        if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOAT
        else value
        for name, value in data.items()
    }


def decode_query(schema: type[S], query: Mapping[str, str]) -> S:
    """A query string as `schema`: integers are plain ASCII digits (at most six); anything
    else, or a parameter the schema does not name, is `invalid_query`."""
    fields = _query_fields(schema)
    data: dict[str, Any] = {}
    for name, raw in query.items():
        if name not in fields:
            raise RequestError(
                TransportCode.INVALID_QUERY, f"'{_shown(name)}' is not a parameter of this request"
            )
        data[name] = int_query(query, name, 0) if fields[name] else raw
    try:
        return msgspec.convert(data, schema)
    except msgspec.ValidationError:
        raise RequestError(TransportCode.INVALID_QUERY, "a query parameter is invalid") from None


@functools.cache
def _query_fields(schema: type[msgspec.Struct]) -> dict[str, bool]:
    """A query schema's parameters, and whether each is an integer."""
    info = msgspec.inspect.type_info(schema)
    assert isinstance(info, msgspec.inspect.StructType)
    return {f.encode_name: isinstance(_bare(f.type), msgspec.inspect.IntType) for f in info.fields}


def _bare(info: msgspec.inspect.Type) -> msgspec.inspect.Type:
    while isinstance(info, msgspec.inspect.Metadata):  # Annotated[..., Meta(...)]
        info = info.type
    return info


def _refusal(message: str) -> RequestError:
    if match := _MISSING.match(message):
        return RequestError(TransportCode.MISSING_FIELD, f"'{_shown(match['name'])}' is required")
    if match := _UNKNOWN.match(message):
        return RequestError(
            TransportCode.UNEXPECTED_FIELD,
            f"'{_shown(match['name'])}' is not a field of this input",
        )
    if match := _MISTYPED.match(message):
        kind = _KINDS.get(match["type"].split(" ", 1)[0], f"of type {match['type']}")
        return RequestError(
            TransportCode.INVALID_FIELD, f"'{_shown(match['name'])}' must be {kind}"
        )
    return RequestError(TransportCode.INVALID_FIELD, "a field has the wrong type")


def _shown(name: str) -> str:
    return name if len(name) <= _SHOWN_NAME else name[:_SHOWN_NAME] + "…"
