"""Edits, on both runtimes and every storage: a message's sender replaces its text, over
REST (`PATCH /chat/{room_id}/messages/{message_id}`) or a socket (`edit`), within the edit
window (SECURECHAT_EDIT_WINDOW_SECONDS, short here); the room gets `message_edited`;
history shows the text as it is now and `edited_at`. Everything refused changes nothing and
tells no one."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import httpx
import pytest
import socketio

from tests.contract.client import Api, Room, assert_error, receive_until

WINDOW_S = 5
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


# conftest's server, with this setting.
SERVER_ENV = {"SECURECHAT_EDIT_WINDOW_SECONDS": str(WINDOW_S)}


def _patch(api: Api, room_id: str, message_id: str, token: str | None, body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.http.patch(f"/chat/{room_id}/messages/{message_id}", json=body, headers=headers)


def _posted(api: Api, room: Room, token: str, text: str) -> str:
    response = api.post(room.room_id, token, text)
    assert response.status_code == 201, response.text
    return str(response.json()["message_id"])


def _history(api: Api, room: Room) -> list[tuple[str, str | None]]:
    response = api.messages(room.room_id, room.admin_token, limit=100)
    assert response.status_code == 200, response.text
    return [(m["message"], m["edited_at"]) for m in response.json()["messages"]]


def _edit(
    client: socketio.SimpleClient, room_id: str, message_id: str, text: Any, **more: Any
) -> Any:
    data = {"room": room_id, "message_id": message_id, "message": text, **more}
    return client.call("edit", data, timeout=5)


def _refused(ack: dict[str, Any], code: str) -> None:
    assert (ack["ok"], ack["status"], ack["code"]) == (False, "error", code), ack
    assert set(ack) == {"ok", "status", "error", "code"} and ack["error"]


def _told_nothing(client: socketio.SimpleClient) -> None:
    with pytest.raises((TimeoutError, socketio.exceptions.TimeoutError)):
        receive_until(client, "message_edited", timeout=1.0)


def test_a_rest_edit_by_its_sender_reaches_the_room_and_history(api: Api) -> None:
    room = api.create_room()
    alice = api.verify(room, "alice")
    message_id = _posted(api, room, alice["token"], "helo")
    _posted(api, room, alice["token"], "second")  # left as it is
    with api.socket(api.token(room, "watcher")) as watcher:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True

        edited = _patch(
            api,
            room.room_id,
            message_id,
            alice["token"],
            {"message": "hello", "user_id": alice["user_id"]},
        )

        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert set(body) == {"room_id", "message_id", "message", "edited_at"}
        assert (body["room_id"], body["message_id"], body["message"]) == (
            room.room_id,
            message_id,
            "hello",
        )
        assert ISO_MS.fullmatch(body["edited_at"])
        told = receive_until(watcher, "message_edited")
        assert told.pop("epoch")  # the room's stream (test_delivery.py)
        assert told == {
            "room": room.room_id,
            "message_id": message_id,
            "message": "hello",
            "edited_at": body["edited_at"],
            "offset": 3,  # after the two posts
        }
    assert _history(api, room) == [("hello", body["edited_at"]), ("second", None)]


def test_a_socket_edit_by_its_sender_reaches_the_room_and_history(api: Api) -> None:
    room = api.create_room()
    alice = api.verify(room, "alice")
    message_id = _posted(api, room, alice["token"], "draft")
    with api.socket(api.token(room, "watcher")) as watcher, api.socket(alice["token"]) as client:
        for socket in (watcher, client):
            assert socket.call("join", {"room": room.room_id}, timeout=5)["ok"] is True

        ack = _edit(client, room.room_id, message_id, "final ✓")

        assert set(ack) == {"ok", "status", "message_id", "edited_at"}
        assert (ack["ok"], ack["message_id"]) == (True, message_id)
        for someone in (watcher, client):  # the sender included
            event = receive_until(someone, "message_edited")
            assert (event["message"], event["edited_at"]) == ("final ✓", ack["edited_at"])
    assert _history(api, room) == [("final ✓", ack["edited_at"])]


def test_rest_edits_that_are_refused_change_nothing(api: Api) -> None:
    room, other = api.create_room(), api.create_room()
    alice = api.verify(room, "alice")
    message_id = _posted(api, room, alice["token"], "kept")
    other_message = _posted(api, other, other.admin_token, "theirs")
    bob = api.verify(room, "bob")
    gone = "01900000-0000-7000-8000-000000000000"
    with api.socket(api.token(room, "watcher")) as watcher:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for token, target, body, status, code in (
            (bob["token"], message_id, {"message": "x"}, 403, "not_sender"),
            (room.admin_token, message_id, {"message": "x"}, 403, "not_sender"),
            (api.token(other), message_id, {"message": "x"}, 403, "forbidden"),
            (alice["token"], other_message, {"message": "x"}, 404, "message_not_found"),
            (alice["token"], gone, {"message": "x"}, 404, "message_not_found"),
            (alice["token"], "not-an-id", {"message": "x"}, 400, "invalid_message_id"),
            (
                alice["token"],
                message_id,
                {"message": "x", "user_id": bob["user_id"]},
                403,
                "identity_mismatch",
            ),
            (alice["token"], message_id, {"message": ""}, 400, "message_empty"),
            (alice["token"], message_id, {"message": "x" * 16385}, 400, "message_too_long"),
            (alice["token"], message_id, {"message": 7}, 400, "invalid_field"),
            (alice["token"], message_id, {}, 400, "missing_field"),
            (alice["token"], message_id, {"message": "x", "extra": 1}, 400, "unexpected_field"),
            (None, message_id, {"message": "x"}, 401, "unauthorized"),
        ):
            assert_error(_patch(api, room.room_id, target, token, body), status, code)
        _told_nothing(watcher)
    assert _history(api, room) == [("kept", None)]
    assert [
        m["message"] for m in api.messages(other.room_id, other.admin_token).json()["messages"]
    ] == ["theirs"]


def test_socket_edits_for_another_room_not_joined_spoofed_or_of_another_rooms_message_are_refused(  # noqa: E501
    api: Api,
) -> None:
    room, other = api.create_room(), api.create_room()
    alice = api.verify(room, "alice")
    message_id = _posted(api, room, alice["token"], "kept")
    other_message = _posted(api, other, other.admin_token, "theirs")
    bob = api.verify(room, "bob")
    with (
        api.socket(api.token(room, "watcher")) as watcher,
        api.socket(alice["token"]) as client,
        api.socket(bob["token"]) as intruder,
        api.socket(other.admin_token) as other_admin,
    ):
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        _refused(_edit(client, room.room_id, message_id, "x"), "not_joined")
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        _refused(_edit(client, other.room_id, other_message, "x"), "not_joined")
        _refused(_edit(client, other.room_id, message_id, "x"), "not_joined")
        for claimed in (bob["user_id"], "", "u_" + secrets.token_hex(4)):
            _refused(
                _edit(client, room.room_id, message_id, "x", user_id=claimed), "identity_mismatch"
            )
        _refused(_edit(client, room.room_id, other_message, "x"), "message_not_found")
        _refused(_edit(client, room.room_id, message_id, "   "), "message_empty")
        _refused(_edit(client, room.room_id, message_id, ["x"]), "invalid_field")
        assert intruder.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        _refused(_edit(intruder, room.room_id, message_id, "bob was here"), "not_sender")
        assert other_admin.call("join", {"room": other.room_id}, timeout=5)["ok"] is True
        _refused(_edit(other_admin, other.room_id, message_id, "x"), "message_not_found")
        _told_nothing(watcher)
    assert _history(api, room) == [("kept", None)]


def test_an_edit_after_the_window_is_refused_on_both_ways_in(api: Api) -> None:
    room = api.create_room()
    alice = api.verify(room, "alice")
    message_id = _posted(api, room, alice["token"], "v1")
    assert (
        _patch(api, room.room_id, message_id, alice["token"], {"message": "v2"}).status_code == 200
    )
    time.sleep(WINDOW_S + 0.5)
    with api.socket(alice["token"]) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        late = _patch(api, room.room_id, message_id, alice["token"], {"message": "v3"})
        assert_error(late, 403, "edit_window_closed")
        _refused(_edit(client, room.room_id, message_id, "v4"), "edit_window_closed")
        _told_nothing(client)
    [(text, edited_at)] = _history(api, room)
    assert text == "v2" and edited_at is not None
