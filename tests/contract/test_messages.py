"""Posting and reading history over REST."""

from __future__ import annotations

import re

from tests.contract.client import Api, assert_error

ISO_MS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def test_post_then_read_back(api: Api) -> None:
    room = api.create_room()
    access = api.verify(room, username="Bob")
    response = api.post(room.room_id, access["token"], "hello, world ✓")
    assert response.status_code == 201
    message_id = response.json()["message_id"]
    body = api.messages(room.room_id, access["token"]).json()
    assert body["next_before"] is None
    [message] = body["messages"]
    assert message == {
        "id": message_id,
        "room_id": room.room_id,
        "user_id": access["user_id"],
        "username": "Bob",
        "guest": True,
        "message": "hello, world ✓",
        "timestamp": message["timestamp"],
        "edited_at": None,
        "reactions": {},
        "offset": 1,  # the room's first change (test_delivery.py)
    }
    assert ISO_MS.fullmatch(message["timestamp"])


def test_pages_walk_back_through_history_oldest_first(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    for i in range(7):
        assert api.post(room.room_id, token, f"m{i}").status_code == 201
    first = api.messages(room.room_id, token, limit=3).json()
    assert [m["message"] for m in first["messages"]] == ["m4", "m5", "m6"]
    assert first["next_before"] == first["messages"][0]["id"]
    second = api.messages(room.room_id, token, limit=3, before=first["next_before"]).json()
    assert [m["message"] for m in second["messages"]] == ["m1", "m2", "m3"]
    third = api.messages(room.room_id, token, limit=3, before=second["next_before"]).json()
    assert [m["message"] for m in third["messages"]] == ["m0"]
    assert third["next_before"] is None
    default = api.messages(room.room_id, token).json()
    assert len(default["messages"]) == 7 and default["next_before"] is None


def test_page_limits_and_cursors_are_validated(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    api.post(room.room_id, token, "one")
    for limit in ("0", "101"):
        assert_error(api.messages(room.room_id, token, limit=limit), 400, "invalid_limit")
    for limit in ("-1", "abc", "1.5", "", "9" * 30):
        assert_error(api.messages(room.room_id, token, limit=limit), 400, "invalid_query")
    for before in ("abc", "' OR 1=1 --", "01a212a0-f955-4017-95e1-50b38d298d13"):
        assert_error(api.messages(room.room_id, token, before=before), 400, "invalid_cursor")
    assert api.messages(room.room_id, token, limit=100).status_code == 200


def test_concurrent_posts_are_all_stored_in_order_and_broadcast(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.contract.client import receive_until

    room = api.create_room()
    token = api.token(room)
    with api.socket(token) as listener:
        listener.call("join", {"room": room.room_id}, timeout=5)
        with ThreadPoolExecutor(max_workers=16) as pool:
            responses = list(pool.map(lambda i: api.post(room.room_id, token, f"c{i}"), range(40)))
        assert [r.status_code for r in responses] == [201] * 40
        posted = {r.json()["message_id"] for r in responses}
        assert len(posted) == 40
        heard = {receive_until(listener, "message")["id"] for _ in range(40)}
    assert heard == posted
    history = api.messages(room.room_id, token, limit=100).json()["messages"]
    assert {m["id"] for m in history} == posted
    assert [m["id"] for m in history] == sorted(posted)
    assert sorted(m["message"] for m in history) == sorted(f"c{i}" for i in range(40))
