"""Every malformed, oversized or hostile REST request: a 4xx with a code, nothing stored."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.contract.client import Api, assert_error, new_room_id

JSON = {"Content-Type": "application/json"}


def _raw(api: Api, path: str, body: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return api.http.post(path, content=body, headers=headers if headers is not None else JSON)


CREATE_CASES = [
    ("malformed json", b'{"room_id": "x", ', JSON, 400, "invalid_json"),
    ("not utf-8", b'{"room_id": "\xff\xfe"}', JSON, 400, "invalid_json"),
    ("json array", b"[1, 2]", JSON, 400, "invalid_json"),
    ("json string", b'"room"', JSON, 400, "invalid_json"),
    ("NaN", b'{"room_id": NaN}', JSON, 400, "invalid_json"),
    ("empty body", b"", JSON, 400, "invalid_json"),
    (
        "form body",
        b"room_id=x&password=y",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
        "invalid_content_type",
    ),
    ("no content type", b"{}", {}, 400, "invalid_content_type"),
    ("text/plain json", b"{}", {"Content-Type": "text/plain"}, 400, "invalid_content_type"),
]


@pytest.mark.parametrize(("case", "body", "headers", "status", "code"), CREATE_CASES)
def test_create_room_rejects_malformed_bodies(
    api: Api, case: str, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    assert_error(_raw(api, "/room/create", body, headers), status, code)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"password": "long enough pw"}, "missing_field"),
        ({"room_id": "{rid}"}, "missing_field"),
        ({"room_id": 123, "password": "long enough pw"}, "invalid_field"),
        ({"room_id": "{rid}", "password": ["x"]}, "invalid_field"),
        ({"room_id": "has space", "password": "long enough pw"}, "invalid_room_id"),
        ({"room_id": "", "password": "long enough pw"}, "invalid_room_id"),
        ({"room_id": "x" * 65, "password": "long enough pw"}, "invalid_room_id"),
        ({"room_id": "../etc", "password": "long enough pw"}, "invalid_room_id"),
        ({"room_id": "r\u00e9", "password": "long enough pw"}, "invalid_room_id"),
        ({"room_id": "{rid}", "password": "short"}, "invalid_password"),
        ({"room_id": "{rid}", "password": "p" * 257}, "invalid_password"),
        ({"room_id": "{rid}", "password": "\ud800" * 8}, "invalid_password"),
    ],
)
def test_create_room_rejects_bad_fields_and_stores_nothing(
    api: Api, fields: dict[str, object], code: str
) -> None:
    rid = new_room_id()
    body = {k: (rid if v == "{rid}" else v) for k, v in fields.items()}
    assert_error(_raw(api, "/room/create", json.dumps(body).encode("ascii")), 400, code)
    probe = api.http.post(f"/chat/{rid}/verify", json={"password": "long enough pw"})
    assert_error(probe, 404, "room_not_found")


def test_verify_rejects_bad_input(api: Api) -> None:
    room = api.create_room()
    path = f"/chat/{room.room_id}/verify"
    assert_error(_raw(api, path, b"{nope"), 400, "invalid_json")
    # No password: only a room whose IP policy is `allow` takes that (from a verified address).
    assert_error(api.http.post(path, json={}), 401, "bad_password")
    assert_error(api.http.post(path, json={"password": 1}), 400, "invalid_field")
    assert_error(api.http.post(path, json={"password": None}), 400, "invalid_field")
    for name in ("", "   ", "x" * 33, "bad\x00name", "bell\x07", "zero\u200bwidth", "line\nbreak"):
        response = api.http.post(path, json={"password": room.password, "username": name})
        assert_error(response, 400, "invalid_username")
    assert_error(
        api.http.post(path, json={"password": room.password, "username": 7}), 400, "invalid_field"
    )
    bad_room = api.http.post("/chat/bad.room/verify", json={"password": room.password})
    assert_error(bad_room, 400, "invalid_room_id")
    huge_guess = api.http.post(path, json={"password": "p" * 10_000})
    assert_error(huge_guess, 401, "bad_password")
    surrogate = _raw(api, path, b'{"password": "pass\\udc00word"}')
    assert_error(surrogate, 401, "bad_password")


MESSAGE_CASES = [
    ("empty", "", "message_empty"),
    ("whitespace", "  \n\t  ", "message_empty"),
    ("one byte over", "x" * 16385, "message_too_long"),
    ("multi-byte over", "\u20ac" * 5462, "message_too_long"),  # 16,386 bytes, 5,462 chars
    ("lone surrogate", "\ud800", "invalid_message"),
]


@pytest.mark.parametrize(("case", "text", "code"), MESSAGE_CASES)
def test_bad_messages_are_rejected_and_not_stored(
    api: Api, case: str, text: str, code: str
) -> None:
    room = api.create_room()
    token = api.token(room)
    assert_error(api.post(room.room_id, token, text), 400, code)
    assert api.texts(room.room_id, token) == []


def test_a_message_of_exactly_the_maximum_is_accepted(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    text = "\u20ac" * 5461 + "a"  # 16,384 bytes
    assert api.post(room.room_id, token, text).status_code == 201
    assert api.texts(room.room_id, token) == [text]


def test_post_rejects_malformed_bodies_and_stores_nothing(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    auth = {**JSON, "Authorization": f"Bearer {token}"}
    path = f"/chat/{room.room_id}"
    assert_error(_raw(api, path, b'{"message": "x"', auth), 400, "invalid_json")
    assert_error(
        _raw(api, path, b'{"message": "x"}', {"Authorization": f"Bearer {token}"}),
        400,
        "invalid_content_type",
    )
    assert_error(_raw(api, path, b"{}", auth), 400, "missing_field")
    assert_error(_raw(api, path, b'{"message": {"nested": 1}}', auth), 400, "invalid_field")
    assert_error(_raw(api, path, b'{"message": null}', auth), 400, "invalid_field")
    deep = b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert_error(_raw(api, path, deep, auth), 400, "invalid_json")
    assert_error(_raw(api, "/chat/bad!room", b'{"message": "x"}', auth), 400, "invalid_room_id")
    assert api.texts(room.room_id, token) == []


@pytest.mark.parametrize(("case", "text", "code"), MESSAGE_CASES)
def test_bad_edits_are_rejected_and_change_nothing(
    api: Api, case: str, text: str, code: str
) -> None:
    room = api.create_room()
    token = api.token(room)
    message_id = api.post(room.room_id, token, "kept").json()["message_id"]
    edited = api.http.patch(
        f"/chat/{room.room_id}/messages/{message_id}",
        content=json.dumps({"message": text}).encode("ascii"),
        headers={**JSON, "Authorization": f"Bearer {token}"},
    )
    assert_error(edited, 400, code)
    [message] = api.messages(room.room_id, token).json()["messages"]
    assert (message["message"], message["edited_at"]) == ("kept", None)


def test_edit_rejects_malformed_bodies_and_paths_and_changes_nothing(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    message_id = api.post(room.room_id, token, "kept").json()["message_id"]
    auth = {**JSON, "Authorization": f"Bearer {token}"}
    path = f"/chat/{room.room_id}/messages/{message_id}"

    def patch(target: str, body: bytes, headers: dict[str, str] = auth) -> httpx.Response:
        return api.http.patch(target, content=body, headers=headers)

    assert_error(patch(path, b'{"message": "x"'), 400, "invalid_json")
    assert_error(patch(path, b"\xff\xfe"), 400, "invalid_json")
    assert_error(
        patch(path, b'{"message": "x"}', {"Authorization": f"Bearer {token}"}),
        400,
        "invalid_content_type",
    )
    assert_error(patch(path, b"{}"), 400, "missing_field")
    assert_error(patch(path, b'{"message": null}'), 400, "invalid_field")
    assert_error(patch(path, b'{"message": "x", "edited_at": 0}'), 400, "unexpected_field")
    deep = b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert_error(patch(path, deep), 400, "invalid_json")
    huge = json.dumps({"message": "z" * (65 * 1024)}).encode()
    assert_error(patch(path, huge), 413, "payload_too_large")
    assert_error(
        patch(f"/chat/bad!room/messages/{message_id}", b'{"message": "x"}'), 400, "invalid_room_id"
    )
    for bad_id in ("x", "01900000-0000-7000-8000-00000000000G", "%00", message_id.upper()):
        assert_error(
            patch(f"/chat/{room.room_id}/messages/{bad_id}", b'{"message": "x"}'),
            400,
            "invalid_message_id",
        )
    [message] = api.messages(room.room_id, token).json()["messages"]
    assert (message["message"], message["edited_at"]) == ("kept", None)


def test_oversized_bodies_get_413_and_store_nothing(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    huge = json.dumps({"message": "z" * (65 * 1024)}).encode()
    response = _raw(
        api, f"/chat/{room.room_id}", huge, {**JSON, "Authorization": f"Bearer {token}"}
    )
    assert_error(response, 413, "payload_too_large")
    create = _raw(
        api,
        "/room/create",
        json.dumps({"room_id": new_room_id(), "password": "p" * 70000}).encode(),
    )
    assert_error(create, 413, "payload_too_large")
    assert api.texts(room.room_id, token) == []


def test_unknown_endpoints_and_methods(api: Api) -> None:
    assert_error(api.http.get("/no/such/thing"), 404, "not_found")
    assert_error(api.http.get("/room/create"), 405, "method_not_allowed")
    assert_error(api.http.delete("/chat/some_room"), 405, "method_not_allowed")


def test_cross_origin_requests_get_no_cors_grant_by_default(api: Api) -> None:
    response = api.http.options(
        "/room/create",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers
    response = api.http.post(
        "/room/create",
        json={"room_id": new_room_id(), "password": "long enough pw"},
        headers={"Origin": "http://evil.example"},
    )
    assert "access-control-allow-origin" not in response.headers
