"""Rooms and access: create, verify, tokens."""

from __future__ import annotations

import time

import jwt

from tests.contract.client import Api, assert_error, new_room_id


def test_create_room_returns_an_admin_token_that_opens_the_room(api: Api) -> None:
    room = api.create_room()
    response = api.post(room.room_id, room.admin_token, "hello from the admin")
    assert response.status_code == 201
    assert api.texts(room.room_id, room.admin_token) == ["hello from the admin"]


def test_an_existing_room_is_never_overwritten(api: Api) -> None:
    room = api.create_room()
    response = api.http.post(
        "/room/create", json={"room_id": room.room_id, "password": "another password"}
    )
    assert_error(response, 409, "room_exists")
    # The original password still opens it; the would-be replacement does not.
    assert api.verify(room)["token"]
    wrong = api.http.post(f"/chat/{room.room_id}/verify", json={"password": "another password"})
    assert_error(wrong, 401, "bad_password")


def test_verify_issues_a_room_token_for_a_new_guest(api: Api) -> None:
    room = api.create_room()
    first = api.verify(room, username="Alice")
    second = api.verify(room)
    assert first["expires_in"] == 3600
    assert first["user_id"].startswith("g_") and second["user_id"].startswith("g_")
    assert first["user_id"] != second["user_id"]
    assert first["username"] == "Alice"
    assert second["username"]
    api.post(room.room_id, first["token"], "hi")
    [message] = api.messages(room.room_id, second["token"]).json()["messages"]
    assert message["user_id"] == first["user_id"]
    assert message["username"] == "Alice"


def test_wrong_password_and_unknown_room(api: Api) -> None:
    room = api.create_room()
    response = api.http.post(f"/chat/{room.room_id}/verify", json={"password": "not it at all"})
    assert_error(response, 401, "bad_password")
    response = api.http.post(f"/chat/{new_room_id()}/verify", json={"password": room.password})
    assert_error(response, 404, "room_not_found")


def test_a_token_opens_only_its_own_room(api: Api) -> None:
    room_a, room_b = api.create_room(), api.create_room()
    token_a = api.token(room_a)
    assert_error(api.post(room_b.room_id, token_a, "intruder"), 403, "forbidden")
    assert_error(api.messages(room_b.room_id, token_a), 403, "forbidden")
    assert api.texts(room_b.room_id, room_b.admin_token) == []


def test_missing_forged_and_garbage_tokens_are_refused(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    for bad in (None, "garbage", forged, token + "x"):
        response = api.post(room.room_id, bad, "should not be stored")
        assert_error(response, 401, "unauthorized")
        assert_error(api.messages(room.room_id, bad), 401, "unauthorized")
    response = api.post(room.room_id, None, "x")
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    # A password in the body is not a credential over REST.
    response = api.http.post(
        f"/chat/{room.room_id}", json={"message": "x", "password": room.password}
    )
    assert_error(response, 401, "unauthorized")
    assert api.texts(room.room_id, token) == []


def test_expired_and_re_signed_tokens_are_refused(api: Api, jwt_secret: str) -> None:
    room = api.create_room()
    token = api.token(room)
    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 60}, jwt_secret, "HS256")
    assert_error(api.post(room.room_id, expired, "late"), 401, "unauthorized")
    # A valid signature with another key, or another algorithm, is still refused.
    other_key = jwt.encode(claims, "x" * 48, "HS256")
    assert_error(api.post(room.room_id, other_key, "x"), 401, "unauthorized")
    unsigned = jwt.encode(claims, None, "none")
    assert_error(api.post(room.room_id, unsigned, "x"), 401, "unauthorized")
    # Claims pointing at another incarnation of the room (as if re-created) are revoked.
    stale = jwt.encode({**claims, "inc": "00000000-0000-7000-8000-000000000000"}, jwt_secret)
    assert_error(api.post(room.room_id, stale, "x"), 401, "unauthorized")
    assert api.texts(room.room_id, token) == []
