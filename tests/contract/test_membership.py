"""Members, on both runtimes and every storage: a user joins a room once with its password,
then its user token alone grants that room (REST and sockets), and only that room; logging
out drops the sockets of that sign-in at once."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import socketio

from tests.contract.client import Api, Room, assert_error, receive_until, wait_disconnected

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data


def _user(api: Api, username: str | None = None) -> dict[str, Any]:
    name = username or "user_" + secrets.token_hex(4)
    response = api.http.post(
        "/auth/register", json={"username": name, "password": ACCOUNT_PASSWORD}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _login(api: Api, username: str) -> dict[str, Any]:
    response = api.http.post(
        "/auth/login", json={"username": username, "password": ACCOUNT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _join(api: Api, room_id: str, token: str | None, body: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.http.post(f"/chat/{room_id}/join", json=body, headers=headers)


def _joined(api: Api, room: Room, token: str) -> dict[str, Any]:
    response = _join(api, room.room_id, token, {"password": room.password})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_user_token_grants_nothing_before_joining(api: Api) -> None:
    room = api.create_room()
    token = _user(api)["access_token"]
    assert_error(api.messages(room.room_id, token), 403, "forbidden")
    assert_error(api.post(room.room_id, token, "too early"), 403, "forbidden")
    with api.socket(token) as client:
        ack = client.call("join", {"room": room.room_id}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "forbidden")
    assert api.texts(room.room_id, room.admin_token) == []


def test_a_wrong_password_is_401_and_makes_no_member(api: Api) -> None:
    room = api.create_room()
    token = _user(api)["access_token"]
    assert_error(
        _join(api, room.room_id, token, {"password": "not the password"}), 401, "bad_password"
    )
    assert_error(api.messages(room.room_id, token), 403, "forbidden")
    with api.socket(token) as client:
        ack = client.call("join", {"room": room.room_id, "password": "not it either"}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "bad_password")
        ack = client.call("join", {"room": room.room_id}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "forbidden")


def test_a_member_posts_reads_and_joins_sockets_with_the_user_token_alone(api: Api) -> None:
    room = api.create_room()
    user = _user(api, "Member_" + secrets.token_hex(3))
    token = user["access_token"]
    joined = _joined(api, room, token)
    assert joined == {"room_id": room.room_id, "user_id": user["user_id"], "role": "member"}
    # Joining again needs no (right) password.
    again = _join(api, room.room_id, token, {"password": "anything at all"})
    assert (again.status_code, again.json()) == (200, joined)

    with api.socket(token) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        posted = api.post(room.room_id, token, "hello from an account")
        assert posted.status_code == 201, posted.text
        message = receive_until(client, "message")
        assert (message["user_id"], message["username"]) == (user["user_id"], user["username"])
        ack = client.call("message", {"room": room.room_id, "message": "and by socket"}, timeout=5)
        assert ack["ok"] is True, ack
    page = api.messages(room.room_id, token)
    assert page.status_code == 200, page.text
    assert [(m["user_id"], m["message"]) for m in page.json()["messages"]] == [
        (user["user_id"], "hello from an account"),
        (user["user_id"], "and by socket"),
    ]


def test_a_socket_joins_as_member_with_the_password_then_without(api: Api) -> None:
    room = api.create_room()
    user = _user(api)
    with api.socket(user["access_token"]) as client:
        assert client.call("join", {"room": room.room_id, "password": room.password}, timeout=5)[
            "ok"
        ]
    # Another sign-in of the same user: a member already.
    other = _login(api, user["username"])
    with api.socket(other["access_token"]) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
    assert api.messages(room.room_id, other["access_token"]).status_code == 200


def test_the_user_token_does_not_open_another_room(api: Api) -> None:
    joined, other = api.create_room(), api.create_room()
    token = _user(api)["access_token"]
    _joined(api, joined, token)
    assert_error(api.messages(other.room_id, token), 403, "forbidden")
    assert_error(api.post(other.room_id, token, "sneaky"), 403, "forbidden")
    with api.socket(token) as client:
        ack = client.call("join", {"room": other.room_id}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "forbidden")
    assert api.texts(other.room_id, other.admin_token) == []


def test_a_room_token_never_makes_a_member(api: Api) -> None:
    a, b = api.create_room(), api.create_room()
    assert_error(_join(api, b.room_id, a.admin_token, {"password": b.password}), 403, "forbidden")
    with api.socket(a.admin_token) as client:
        ack = client.call("join", {"room": b.room_id, "password": b.password}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "forbidden")


def test_a_spoofed_field_in_a_join_is_refused(api: Api) -> None:
    room = api.create_room()
    user = _user(api)
    token = user["access_token"]
    assert_error(
        _join(api, room.room_id, token, {"password": room.password, "user_id": "u_someone"}),
        400,
        "unexpected_field",
    )
    with api.socket(token) as client:
        ack = client.call(
            "join", {"room": room.room_id, "password": room.password, "user_id": "u_x"}, timeout=5
        )
        assert (ack["ok"], ack["code"]) == (False, "unexpected_field")
    assert_error(api.messages(room.room_id, token), 403, "forbidden")


def test_logout_drops_that_sign_ins_sockets_and_refuses_its_token(api: Api) -> None:
    room = api.create_room()
    user = _user(api)
    other = _login(api, user["username"])  # another sign-in of the same user
    _joined(api, room, user["access_token"])
    dropped = api.socket(user["access_token"])
    stays = api.socket(other["access_token"])
    try:
        for client in (dropped, stays):
            assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        out = api.http.post("/auth/logout", json={"refresh_token": user["refresh_token"]})
        assert out.status_code == 200, out.text

        assert wait_disconnected(dropped)
        # Presence is per identity: the user is still in the room on the other sign-in,
        # listed once.
        listed = api.http.get(
            f"/chat/{room.room_id}/presence",
            headers={"Authorization": f"Bearer {other['access_token']}"},
        ).json()
        assert [u["user_id"] for u in listed["users"]] == [user["user_id"]]
        assert stays.connected
        ack = stays.call("message", {"room": room.room_id, "message": "still here"}, timeout=5)
        assert ack["ok"] is True, ack
        # The revoked token: refused on REST and at socket connect.
        assert_error(api.messages(room.room_id, user["access_token"]), 401, "unauthorized")
        assert_error(
            _join(api, room.room_id, user["access_token"], {"password": room.password}),
            401,
            "unauthorized",
        )
        refused = socketio.Client(reconnection=False)
        errors: list[object] = []
        refused.on("connect_error", errors.append)
        try:
            refused.connect(
                api.base_url,
                auth={"token": user["access_token"]},
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            pass
        else:
            refused.disconnect()
            raise AssertionError("a revoked token opened a socket")
        assert [e["data"]["code"] for e in errors if isinstance(e, dict)] == ["unauthorized"]
    finally:
        for client in (dropped, stays):
            client.disconnect()


def test_a_replayed_refresh_token_drops_the_sockets_of_its_sign_in(api: Api) -> None:
    user = _user(api)
    rotated = api.http.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    client = api.socket(rotated.json()["access_token"])
    try:
        replay = api.http.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
        assert_error(replay, 401, "invalid_refresh_token")
        assert wait_disconnected(client)
    finally:
        client.disconnect()
