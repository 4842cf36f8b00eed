"""Socket.IO: authenticated connect, per-event authorization, broadcast, presence."""

from __future__ import annotations

import contextlib

import socketio

from tests.contract.client import Api, assert_error, receive_until


def _refusal(
    api: Api, auth: object, headers: dict[str, str] | None = None, transport: str = "websocket"
) -> list[object]:
    client = socketio.Client(reconnection=False)
    errors: list[object] = []
    client.on("connect_error", errors.append)
    try:
        client.connect(
            api.base_url, auth=auth, headers=headers or {}, transports=[transport], wait_timeout=5
        )
    except socketio.exceptions.ConnectionError:
        pass
    else:
        client.disconnect()
        raise AssertionError("the connection was accepted")
    return errors


def test_connect_without_a_valid_token_is_refused_with_a_reason(api: Api) -> None:
    for auth in (None, {}, {"token": "garbage"}, {"token": 42}, "not-a-dict"):
        errors = _refusal(api, auth)
        assert errors, auth
        [error] = errors
        assert isinstance(error, dict)
        assert error["data"]["code"] == "unauthorized"
        assert error["data"]["error"]


def test_a_foreign_origin_cannot_open_a_socket(api: Api) -> None:
    room = api.create_room()
    # Polling sends our Origin header alone (websocket-client would add a second one).
    _refusal(api, {"token": room.admin_token}, {"Origin": "http://evil.example"}, "polling")
    # The same request from the server's own origin is accepted.
    client = socketio.SimpleClient()
    client.connect(
        api.base_url,
        auth={"token": room.admin_token},
        headers={"Origin": api.base_url},
        transports=["polling"],
        wait_timeout=5,
    )
    assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
    client.disconnect()


def test_join_message_broadcast_and_ack(api: Api) -> None:
    room = api.create_room()
    alice, bob = api.verify(room, "alice"), api.verify(room, "bob")
    with api.socket(alice["token"]) as a, api.socket(bob["token"]) as b:
        joined = a.call("join", {"room": room.room_id}, timeout=5)
        assert joined.pop("epoch")  # the room's stream (test_delivery.py)
        assert joined == {"ok": True, "status": "success", "offset": 0}
        status = receive_until(a, "status")
        assert status["user_id"] == alice["user_id"] and status["event"] == "join"
        assert receive_until(a, "online_count") == {"room": room.room_id, "count": 1}
        assert b.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        assert receive_until(a, "online_count") == {"room": room.room_id, "count": 2}
        assert receive_until(b, "online_count") == {"room": room.room_id, "count": 2}

        ack = b.call("message", {"room": room.room_id, "message": "hi all"}, timeout=5)
        assert ack["ok"] is True and ack["status"] == "success" and ack["message_id"]
        for client in (a, b):  # sender included
            event = receive_until(client, "message")
            assert event["id"] == ack["message_id"]
            assert event["message"] == "hi all"
            assert event["user_id"] == bob["user_id"] and event["username"] == "bob"
            assert set(event) == {
                "id",
                "room_id",
                "user_id",
                "username",
                "guest",
                "message",
                "timestamp",
                "edited_at",
                "reactions",
                "offset",
                "epoch",
            }
            assert (event["edited_at"], event["reactions"]) == (None, {})
            assert event["guest"] is True  # a room token's identity
    assert api.texts(room.room_id, alice["token"]) == ["hi all"]


def test_a_message_posted_over_rest_reaches_the_sockets(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    with api.socket(token) as client:
        client.call("join", {"room": room.room_id}, timeout=5)
        response = api.post(room.room_id, room.admin_token, "via REST")
        assert response.status_code == 201
        event = receive_until(client, "message")
        assert event["id"] == response.json()["message_id"]
        assert event["message"] == "via REST"


def test_broadcasts_stay_in_their_room(api: Api) -> None:
    room_a, room_b = api.create_room(), api.create_room()
    with api.socket(api.token(room_a)) as a, api.socket(api.token(room_b)) as b:
        a.call("join", {"room": room_a.room_id}, timeout=5)
        b.call("join", {"room": room_b.room_id}, timeout=5)
        api.post(room_a.room_id, room_a.admin_token, "for A only")
        api.post(room_b.room_id, room_b.admin_token, "for B only")
        assert receive_until(a, "message")["message"] == "for A only"
        assert receive_until(b, "message")["message"] == "for B only"


def test_leave_and_disconnect_update_presence(api: Api) -> None:
    room = api.create_room()
    with api.socket(api.token(room)) as watcher:
        watcher.call("join", {"room": room.room_id}, timeout=5)
        receive_until(watcher, "online_count")
        with api.socket(api.token(room, "carol")) as carol:
            carol.call("join", {"room": room.room_id}, timeout=5)
            assert receive_until(watcher, "online_count")["count"] == 2
            assert carol.call("leave", {"room": room.room_id}, timeout=5)["ok"] is True
            left = receive_until(watcher, "status")
            assert left["event"] == "leave" and left["username"] == "carol"
            assert receive_until(watcher, "online_count")["count"] == 1
            # Having left, carol can no longer send there.
            ack = carol.call("message", {"room": room.room_id, "message": "x"}, timeout=5)
            assert ack["code"] == "not_joined"
            carol.call("join", {"room": room.room_id}, timeout=5)
            assert receive_until(watcher, "online_count")["count"] == 2
        assert receive_until(watcher, "online_count")["count"] == 1


def _error_ack(ack: dict[str, object], code: str) -> None:
    assert ack["ok"] is False and ack["status"] == "error", ack
    assert ack["code"] == code and isinstance(ack["error"], str) and ack["error"]


def test_every_event_is_authorized_on_its_own(api: Api) -> None:
    room, other = api.create_room(), api.create_room()
    token = api.token(room)
    with api.socket(token) as client:
        _error_ack(client.call("message", {"room": room.room_id, "message": "early"}), "not_joined")
        _error_ack(client.call("join", {"room": other.room_id}), "forbidden")
        _error_ack(client.call("message", {"room": other.room_id, "message": "x"}), "not_joined")
        _error_ack(client.call("leave", {"room": room.room_id}), "not_joined")
        client.call("join", {"room": room.room_id})
        _error_ack(client.call("message", {"room": other.room_id, "message": "x"}), "not_joined")
    assert api.texts(room.room_id, token) == []
    assert api.texts(other.room_id, other.admin_token) == []


def test_bad_socket_payloads_get_error_acks_and_store_nothing(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    with api.socket(token) as client:
        client.call("join", {"room": room.room_id})
        cases = [
            ("join", "a string", "invalid_event"),
            ("join", None, "invalid_event"),
            ("join", {}, "missing_field"),
            ("join", {"room": 12}, "invalid_field"),
            ("join", {"room": "bad room!"}, "invalid_room_id"),
            ("message", [room.room_id, "x"], "invalid_event"),
            ("message", {"room": room.room_id}, "missing_field"),
            ("message", {"room": room.room_id, "message": 5}, "invalid_field"),
            ("message", {"room": room.room_id, "message": ""}, "message_empty"),
            ("message", {"room": room.room_id, "message": " \n\t "}, "message_empty"),
            ("message", {"room": room.room_id, "message": "x" * 16385}, "message_too_long"),
            ("message", {"room": room.room_id, "message": "\ud800"}, "invalid_message"),
            ("leave", {"room": "x" * 65}, "invalid_room_id"),
        ]
        for event, data, code in cases:
            _error_ack(client.call(event, data, timeout=5), code)
        # The connection is still healthy afterwards.
        assert client.call("message", {"room": room.room_id, "message": "fine"})["ok"] is True
    assert api.texts(room.room_id, token) == ["fine"]


def test_an_oversized_packet_is_dropped_and_stores_nothing(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    client = api.socket(token)
    try:
        client.call("join", {"room": room.room_id})
        client.emit("message", {"room": room.room_id, "message": "y" * (70 * 1024)})
        # The server drops the connection: the next call fails one way or the other.
        with contextlib.suppress(
            socketio.exceptions.TimeoutError, socketio.exceptions.DisconnectedError
        ):
            client.call("message", {"room": room.room_id, "message": "after"}, timeout=3)
    finally:
        client.disconnect()
    assert "y" * 100 not in "".join(api.texts(room.room_id, token))


def test_rest_errors_are_not_sockets_business(api: Api) -> None:
    """A failed REST post emits nothing to the room."""
    room = api.create_room()
    token = api.token(room)
    with api.socket(token) as client:
        client.call("join", {"room": room.room_id})
        assert_error(api.post(room.room_id, token, ""), 400, "message_empty")
        api.post(room.room_id, token, "the only one")
        assert receive_until(client, "message")["message"] == "the only one"
