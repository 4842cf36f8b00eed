"""Presence lists and typing, on both runtimes and every storage: each identity listed once
however many tabs it has, gone with its last (a joining connection gets the whole list, the
room a `presence_update` delta); typing that starts, stops and ends by itself; and every
typing event that is not the caller's own, in a room it joined, refused."""

from __future__ import annotations

import socket
import time
from typing import Any

import socketio

from tests.contract.client import Api, Room, assert_error, receive_until
from tests.contract.wire import RawSocketIO

TYPING_S = 1  # so that a test sees typing end by itself without waiting long


# conftest's server, with this setting.
SERVER_ENV = {"SECURECHAT_TYPING_SECONDS": str(TYPING_S)}


def _names(event: dict[str, Any], key: str = "users") -> list[str]:
    return [user["username"] for user in event[key]]


def _presence_until(client: socketio.SimpleClient, names: list[str]) -> dict[str, Any]:
    """The next `presence` event listing exactly `names` (earlier ones are skipped)."""
    deadline = time.monotonic() + 5
    while True:
        event = receive_until(client, "presence", timeout=max(0.1, deadline - time.monotonic()))
        if _names(event) == names:
            return event  # type: ignore[no-any-return]


def _update(client: socketio.SimpleClient) -> dict[str, Any]:
    """The next `presence_update` (the room's delta), checked against the `status` and
    `online_count` sent with it."""
    update: dict[str, Any] = receive_until(client, "presence_update")
    assert set(update) == {"room", "joined", "left", "count"}, update
    return update


def _joined(api: Api, token: str, room: Room) -> socketio.SimpleClient:
    client = api.socket(token)
    assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
    return client


def _listed(api: Api, room: Room, token: str) -> list[str]:
    response = api.http.get(
        f"/chat/{room.room_id}/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["users"])
    return _names(body)


def test_each_identity_is_listed_once_until_its_last_tab_goes(api: Api) -> None:
    room = api.create_room()
    anna, bert = api.verify(room, "anna"), api.verify(room, "bert")
    with _joined(api, anna["token"], room) as a:
        first = _presence_until(a, ["anna"])
        assert first == {
            "room": room.room_id,
            "users": [{"user_id": anna["user_id"], "username": "anna", "guest": True}],
            "count": 1,
        }
        assert _update(a) == {  # the room hears of her arrival too (she is in it)
            "room": room.room_id,
            "joined": [{"user_id": anna["user_id"], "username": "anna", "guest": True}],
            "left": [],
            "count": 1,
        }
        bert_tab1 = _joined(api, bert["token"], room)
        bert_tab2 = api.socket(bert["token"])
        try:
            # bert's own connection gets the whole list; anna, the delta.
            assert _names(receive_until(bert_tab1, "presence")) == ["anna", "bert"]
            came = _update(a)
            assert (_names(came, "joined"), came["left"], came["count"]) == (["bert"], [], 2)
            # A second tab: the room hears nothing, the tab itself is told who is there.
            assert bert_tab2.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
            assert _names(receive_until(bert_tab2, "presence")) == ["anna", "bert"]
            assert _listed(api, room, anna["token"]) == ["anna", "bert"]

            bert_tab1.disconnect()
            # Still there on his other tab: the list does not shrink (for a while, at least).
            for _ in range(5):
                assert _listed(api, room, anna["token"]) == ["anna", "bert"]
                time.sleep(0.1)
            bert_tab2.disconnect()
            # The next update anna hears of is bert gone: none came for his second tab's
            # arrival, nor for his first tab's departure.
            gone = _update(a)
            assert (gone["joined"], _names(gone, "left"), gone["count"]) == ([], ["bert"], 1)
            assert _listed(api, room, anna["token"]) == ["anna"]
        finally:
            bert_tab1.disconnect()
            bert_tab2.disconnect()


def test_presence_over_rest_needs_the_access_history_needs(api: Api) -> None:
    room, other = api.create_room(), api.create_room()
    assert_error(api.http.get(f"/chat/{room.room_id}/presence"), 401, "unauthorized")
    foreign = {"Authorization": f"Bearer {api.token(other)}"}
    assert_error(api.http.get(f"/chat/{room.room_id}/presence", headers=foreign), 403, "forbidden")
    assert _listed(api, room, api.token(room)) == []  # a token alone is not a presence


def test_typing_starts_stops_and_ends_by_itself(api: Api) -> None:
    room = api.create_room()
    with (
        _joined(api, api.token(room, "anna"), room) as a,
        _joined(api, api.token(room, "bert"), room) as b,
    ):
        start = b.call("typing", {"room": room.room_id, "is_typing": True}, timeout=5)
        assert start == {"ok": True, "status": "success"}
        shown = receive_until(a, "typing_status")
        assert shown["room"] == room.room_id and _names(shown, "typing_users") == ["bert"]
        assert b.call("typing", {"room": room.room_id, "is_typing": False}, timeout=5)["ok"]
        assert _names(receive_until(a, "typing_status"), "typing_users") == []

        # Started and never stopped: it ends by itself, a little after TYPING_S.
        b.call("typing", {"room": room.room_id, "is_typing": True}, timeout=5)
        assert _names(receive_until(a, "typing_status"), "typing_users") == ["bert"]
        began = time.monotonic()
        ended = receive_until(a, "typing_status", timeout=TYPING_S + 3)
        assert _names(ended, "typing_users") == []
        assert time.monotonic() - began >= TYPING_S * 0.5


def test_a_typist_who_disconnects_stops_typing(api: Api) -> None:
    room = api.create_room()
    with _joined(api, api.token(room, "anna"), room) as a:
        b = _joined(api, api.token(room, "bert"), room)
        b.call("typing", {"room": room.room_id, "is_typing": True}, timeout=5)
        assert _names(receive_until(a, "typing_status"), "typing_users") == ["bert"]
        b.disconnect()
        assert _names(receive_until(a, "typing_status"), "typing_users") == []


def _refused(ack: dict[str, Any], code: str) -> None:
    assert ack["ok"] is False and ack["status"] == "error" and ack["code"] == code, ack


def test_typing_not_ones_own_or_outside_a_joined_room_is_refused(api: Api) -> None:
    room, other = api.create_room(), api.create_room()
    anna = api.verify(room, "anna")
    with (
        _joined(api, anna["token"], room) as a,
        _joined(api, api.token(room, "bert"), room) as watcher,
    ):
        spoofed = {"room": room.room_id, "is_typing": True, "user_id": "g_someone_else"}
        _refused(a.call("typing", spoofed, timeout=5), "identity_mismatch")
        # Another room: its token does not grant it, and this socket never joined it.
        _refused(
            a.call("typing", {"room": other.room_id, "is_typing": True}, timeout=5), "not_joined"
        )
        _refused(a.call("typing", {"room": room.room_id}, timeout=5), "missing_field")
        _refused(
            a.call("typing", {"room": room.room_id, "is_typing": 1}, timeout=5), "invalid_field"
        )
        # Nothing of it reached the room: the next typing_status is a real one.
        own = {"room": room.room_id, "is_typing": True, "user_id": anna["user_id"]}
        assert a.call("typing", own, timeout=5)["ok"] is True
        assert _names(receive_until(watcher, "typing_status"), "typing_users") == ["anna"]
    # A socket in no room at all.
    with api.socket(api.token(room)) as lone:
        _refused(
            lone.call("typing", {"room": room.room_id, "is_typing": True}, timeout=5),
            "not_joined",
        )


def test_a_typist_whose_connection_is_cut_leaves_no_ghost(api: Api) -> None:
    """Raw bytes: a socket joins, starts typing and its TCP connection is cut without a
    close frame; another joins and is cut before its join is answered. The room sees both
    go (presence and typing), and the list keeps no ghost."""
    room = api.create_room()
    with _joined(api, api.token(room, "anna"), room) as watcher:
        typist = RawSocketIO(api.base_url)
        typist.connect(api.token(room, "bert"))
        assert typist.call("join", {"room": room.room_id})[0]["ok"] is True
        assert typist.call("typing", {"room": room.room_id, "is_typing": True}, ack=2)[0]["ok"]
        assert _names(receive_until(watcher, "typing_status"), "typing_users") == ["bert"]
        typist.sock.shutdown(socket.SHUT_RDWR)  # half-closed, then gone: no close frame
        typist.close()
        assert _names(receive_until(watcher, "typing_status", timeout=30), "typing_users") == []

        racer = RawSocketIO(api.base_url)
        racer.connect(api.token(room, "cara"))
        racer.emit("join", {"room": room.room_id}, ack=1)
        racer.close()  # before the ack

        deadline = time.monotonic() + 30
        while _listed(api, room, api.token(room)) != ["anna"]:
            assert time.monotonic() < deadline, _listed(api, room, api.token(room))
            time.sleep(0.2)
        time.sleep(0.5)  # a join finishing late must not bring a ghost back
        assert _listed(api, room, api.token(room)) == ["anna"]
