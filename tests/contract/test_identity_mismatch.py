"""Identity is the token's, never the payload's, on both runtimes and every storage: a
message naming another `user_id` (REST body or socket payload) is refused with 403
`identity_mismatch` and stores nothing; naming one's own is accepted."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx

from tests.contract.client import Api, assert_error, receive_until

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data


def _post(api: Api, room_id: str, token: str, body: dict[str, Any]) -> httpx.Response:
    return api.http.post(
        f"/chat/{room_id}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _member(api: Api, room_id: str, password: str) -> dict[str, Any]:
    name = "m_" + secrets.token_hex(4)
    user = api.http.post("/auth/register", json={"username": name, "password": ACCOUNT_PASSWORD})
    assert user.status_code == 201, user.text
    signed: dict[str, Any] = user.json()
    joined = api.http.post(
        f"/chat/{room_id}/join",
        json={"password": password},
        headers={"Authorization": f"Bearer {signed['access_token']}"},
    )
    assert joined.status_code == 200, joined.text
    return signed


def test_a_rest_message_naming_another_user_is_refused_and_stores_nothing(api: Api) -> None:
    room = api.create_room()
    victim = api.verify(room, "victim")
    mallory = api.verify(room, "mallory")
    member = _member(api, room.room_id, room.password)
    for token, claimed in (
        (mallory["token"], victim["user_id"]),
        (mallory["token"], member["user_id"]),
        (member["access_token"], victim["user_id"]),
        (room.admin_token, ""),
        (room.admin_token, "u_" + secrets.token_hex(8)),
    ):
        refused = _post(api, room.room_id, token, {"message": "it was me", "user_id": claimed})
        assert_error(refused, 403, "identity_mismatch")
    assert api.texts(room.room_id, room.admin_token) == []


def test_a_rest_message_naming_its_own_user_is_accepted_and_attributed_to_the_token(
    api: Api,
) -> None:
    room = api.create_room()
    guest = api.verify(room, "Guest")
    member = _member(api, room.room_id, room.password)
    for token, user_id in (
        (guest["token"], guest["user_id"]),
        (member["access_token"], member["user_id"]),
    ):
        sent = _post(api, room.room_id, token, {"message": "mine", "user_id": user_id})
        assert sent.status_code == 201, sent.text
    page = api.messages(room.room_id, room.admin_token).json()["messages"]
    assert [(m["user_id"], m["guest"]) for m in page] == [
        (guest["user_id"], True),
        (member["user_id"], False),
    ]


def test_a_socket_message_naming_another_user_is_refused_and_stores_nothing(api: Api) -> None:
    room = api.create_room()
    victim = api.verify(room, "victim")
    mallory = api.verify(room, "mallory")
    with api.socket(victim["token"]) as watcher, api.socket(mallory["token"]) as client:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for claimed in (victim["user_id"], "", "U_" + secrets.token_hex(4)):
            ack = client.call(
                "message",
                {"room": room.room_id, "message": "it was me", "user_id": claimed},
                timeout=5,
            )
            assert (ack["ok"], ack["status"], ack["code"]) == (False, "error", "identity_mismatch")
            assert set(ack) == {"ok", "status", "error", "code"} and ack["error"]
        # Its own id is fine; the watcher sees that message, and only that one.
        ack = client.call(
            "message",
            {"room": room.room_id, "message": "me", "user_id": mallory["user_id"]},
            timeout=5,
        )
        assert ack["ok"] is True, ack
        event = receive_until(watcher, "message")
        assert (event["message"], event["user_id"]) == ("me", mallory["user_id"])
    assert api.texts(room.room_id, room.admin_token) == ["me"]


def test_a_user_id_of_the_wrong_type_is_a_schema_error(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    for value in (7, ["u_1"], {"id": "u_1"}):
        response = api.http.post(
            f"/chat/{room.room_id}",
            content=json.dumps({"message": "x", "user_id": value}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert_error(response, 400, "invalid_field")
    assert api.texts(room.room_id, room.admin_token) == []
