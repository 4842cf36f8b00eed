"""Request bodies, queries and the Authorization header."""

from __future__ import annotations

import pytest

from entrypoints.common.errors import RequestError, TransportCode
from entrypoints.common.payloads import (
    bearer_token,
    decode,
    expect_object,
    int_query,
    parse_json_object,
)
from entrypoints.common.schemas_admin import SettingsPatch

JSON = "application/json"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "  application/json ;charset=UTF-8",
    ],
)
def test_json_content_types_are_accepted(content_type: str) -> None:
    assert parse_json_object(content_type, b'{"a": 1}') == {"a": 1}


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "application/json-patch+json",
        "text/json",
    ],
)
def test_other_content_types_are_refused(content_type: str | None) -> None:
    with pytest.raises(RequestError) as caught:
        parse_json_object(content_type, b'{"a": 1}')
    assert caught.value.code is TransportCode.INVALID_CONTENT_TYPE


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"{'a': 1}",
        b'{"a": 1,}',
        b'{"a": 1} trailing',
        b"\xff\xfe{}",  # not UTF-8
        b'{"a": "\xc3\x28"}',  # invalid UTF-8 sequence inside a string
        b'{"a": "\xed\xa0\x80"}',  # an encoded surrogate is not UTF-8
        "\ufeff{}".encode(),  # a BOM is not JSON
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b"NaN",
        b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to recurse out
        b'{"a": ' + b"1" * 5000 + b"}",  # integer beyond the str->int digit limit
    ],
)
def test_invalid_json_is_refused(body: bytes) -> None:
    with pytest.raises(RequestError) as caught:
        parse_json_object(JSON, body)
    assert caught.value.code is TransportCode.INVALID_JSON


@pytest.mark.parametrize("body", [b"[]", b"[1, 2]", b'"text"', b"1", b"null", b"true", b"1.5"])
def test_non_object_body_is_refused(body: bytes) -> None:
    with pytest.raises(RequestError) as caught:
        parse_json_object(JSON, body)
    assert caught.value.code is TransportCode.INVALID_JSON
    assert "object" in caught.value.message


def test_valid_object_is_returned_as_is() -> None:
    body = '{"roomId": "lobby", "n": 1.5e3, "nested": {"ok": [true, null]}, "s": "é"}'.encode()
    assert parse_json_object(JSON, body) == {
        "roomId": "lobby",
        "n": 1500.0,
        "nested": {"ok": [True, None]},
        "s": "é",
    }


def test_expect_object() -> None:
    assert expect_object({"a": 1}, TransportCode.INVALID_EVENT, "m") == {"a": 1}
    with pytest.raises(RequestError) as caught:
        expect_object(["a"], TransportCode.INVALID_EVENT, "must be an object")
    assert caught.value.code is TransportCode.INVALID_EVENT
    assert caught.value.message == "must be an object"


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("  Bearer   abc  ", "abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Bearer    ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Token abc", None),
        ("abc", None),
        ("Bearerabc", None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, 50), ({"limit": "0"}, 0), ({"limit": "7"}, 7), ({"limit": "999999"}, 999999)],
)
def test_int_query_accepts_small_unsigned_integers(query: dict[str, str], expected: int) -> None:
    assert int_query(query, "limit", 50) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "abc",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "0x10",
        "1_0",
        " 7",
        "7 ",
        "1234567",
        "١٢",
        "²",
        "７",
    ],
)
def test_int_query_refuses_anything_else(raw: str) -> None:
    with pytest.raises(RequestError) as caught:
        int_query({"limit": raw}, "limit", 50)
    assert caught.value.code is TransportCode.INVALID_QUERY
    assert "limit" in caught.value.message


def test_an_integral_number_with_a_point_is_that_integer_and_other_numbers_are_not() -> None:
    assert decode(SettingsPatch, {"message_limit": 10.0}).message_limit == 10
    for value in (10.5, 1e300, float("inf")):
        with pytest.raises(RequestError) as caught:
            decode(SettingsPatch, {"message_limit": value})
        assert caught.value.code is TransportCode.INVALID_FIELD
    # A string field is not an integer's place, with a point or without.
    with pytest.raises(RequestError):
        decode(SettingsPatch, {"password": 12345678.0})
