"""What the server answers is what docs/openapi.json says, success and error alike."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.contract.client import Api

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text()
)
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "boolean": bool,
    "null": type(None),
}


def _check(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """The part of JSON Schema the description uses: enough to catch drift."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        _check(value, SPEC["components"]["schemas"][name], where)
        return
    types = schema.get("type")
    if types is not None:
        allowed = tuple(TYPES[t] for t in ([types] if isinstance(types, str) else types))
        assert isinstance(value, allowed), (where, value)
        assert bool in allowed or not isinstance(value, bool), (where, value)
    if "enum" in schema:
        assert value in schema["enum"], (where, value)
    if "pattern" in schema:
        assert re.search(schema["pattern"], value), (where, value)
    if isinstance(value, dict):
        assert set(schema.get("required", ())) <= value.keys(), (where, value)
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert value.keys() <= properties.keys(), (where, value)
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{where}[{index}]")


def _conforms(response: httpx.Response, path: str, method: str) -> None:
    operation = SPEC["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], (path, method, status, response.text)
    content = operation["responses"][status]["content"]["application/json"]
    assert response.headers["content-type"].startswith("application/json")
    _check(response.json(), content["schema"])


def test_responses_match_the_openapi_description(api: Api) -> None:
    room_id = "oa_" + api.create_room().room_id
    created = api.http.post("/room/create", json={"room_id": room_id, "password": "p" * 8})
    _conforms(created, "/room/create", "post")
    again = api.http.post("/room/create", json={"room_id": room_id, "password": "p" * 8})
    _conforms(again, "/room/create", "post")  # 409

    verify = f"/chat/{room_id}/verify"
    _conforms(
        api.http.post(verify, json={"password": "p" * 8, "username": "Ann"}),
        "/chat/{room_id}/verify",
        "post",
    )
    _conforms(
        api.http.post(verify, json={"password": "wrong!!!"}), "/chat/{room_id}/verify", "post"
    )
    _conforms(
        api.http.post("/chat/nope_x/verify", json={"password": "p" * 8}),
        "/chat/{room_id}/verify",
        "post",
    )
    _conforms(
        api.http.post(verify, content=b"{", headers={"Content-Type": "application/json"}),
        "/chat/{room_id}/verify",
        "post",
    )

    verified = api.http.post(verify, json={"password": "p" * 8}).json()
    token = verified["token"]
    _conforms(api.post(room_id, token, "hello"), "/chat/{room_id}", "post")
    _conforms(api.post(room_id, token, "   "), "/chat/{room_id}", "post")  # 400
    _conforms(api.post(room_id, None, "hello"), "/chat/{room_id}", "post")  # 401
    other = api.token(api.create_room())
    _conforms(api.post(room_id, other, "hello"), "/chat/{room_id}", "post")  # 403

    listing = "/chat/{room_id}/messages"
    _conforms(api.messages(room_id, token, limit=10), listing, "get")
    _conforms(api.messages(room_id, token, limit=0), listing, "get")
    _conforms(api.messages(room_id, "forged"), listing, "get")
    _conforms(api.messages(room_id, other), listing, "get")

    edit = "/chat/{room_id}/messages/{message_id}"
    message_id = api.post(room_id, token, "to edit").json()["message_id"]
    path = f"/chat/{room_id}/messages/{message_id}"
    mine, theirs = {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {other}"}
    _conforms(api.http.patch(path, json={"message": "edited"}, headers=mine), edit, "patch")
    _conforms(api.http.patch(path, json={"message": ""}, headers=mine), edit, "patch")  # 400
    _conforms(api.http.patch(path, json={"message": "x"}), edit, "patch")  # 401
    _conforms(api.http.patch(path, json={"message": "x"}, headers=theirs), edit, "patch")  # 403
    gone = f"/chat/{room_id}/messages/01900000-0000-7000-8000-000000000000"
    _conforms(api.http.patch(gone, json={"message": "x"}, headers=mine), edit, "patch")  # 404
    with api.socket(token) as client:
        assert client.call("join", {"room": room_id}, timeout=5)["ok"] is True
        reacted = {"room": room_id, "message_id": message_id, "reaction": "\U0001f44d"}
        assert client.call("reaction", reacted, timeout=5)["ok"] is True
    page = api.messages(room_id, token, limit=10)
    _conforms(page, listing, "get")  # an edited message, with reactions
    assert page.json()["messages"][-1]["reactions"] == {"\U0001f44d": [verified["user_id"]]}


def test_profile_responses_match_the_openapi_description(api: Api) -> None:
    user_id = "oa_" + api.create_room().room_id
    created = api.http.post("/user/profile", json={"user_id": user_id, "username": user_id})
    _conforms(created, "/user/profile", "post")
    again = api.http.post("/user/profile", json={"user_id": user_id, "username": "other"})
    _conforms(again, "/user/profile", "post")  # 409
    _conforms(api.http.post("/user/profile", json={"user_id": "g_x"}), "/user/profile", "post")
    one = "/user/profile/{user_id}"
    _conforms(api.http.get(f"/user/profile/{user_id}"), one, "get")
    _conforms(api.http.get(f"/user/profile/{user_id}_none"), one, "get")  # 404
    own = {"Authorization": f"Bearer {created.json()['access_token']}"}
    put = f"/user/profile/{user_id}"
    _conforms(api.http.put(put, json={"avatar": "https://x.org/a.png"}, headers=own), one, "put")
    _conforms(api.http.put(put, json={"avatar": "x"}, headers=own), one, "put")  # 400
    _conforms(api.http.put(put, json={}), one, "put")  # 401
    _conforms(api.http.put(f"{put}_other", json={}, headers=own), one, "put")  # 403
