"""Abuse limits over the wire, on both runtimes: password guessing past the limit, over REST
or a socket join, is a 429 with Retry-After (an ack with retry_after) even for the right
password, other rooms and token holders go on, and nothing else changes; messages past an
identity's limit are refused, REST and socket alike, and nothing beyond it is stored, while
other identities go on (on every storage)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx

from tests.contract.client import Api, assert_error
from tests.contract.harness import ServerProcess

RULES = "password_room_ip=3/minute;password_ip=5/minute;signup_ip=4/minute;login_ip=2/minute"


def _verify(api: Api, room_id: str, password: str) -> httpx.Response:
    return api.http.post(f"/chat/{room_id}/verify", json={"password": password})


def test_password_guessing_is_limited_per_room_and_per_address(
    runtime: str, tmp_path: Path
) -> None:
    server = ServerProcess(runtime, tmp_path / "data", "memory", {"SECURECHAT_RATE_LIMITS": RULES})
    server.start()
    try:
        api = Api(server.url)
        room, other = api.create_room(), api.create_room()
        assert api.post(room.room_id, room.admin_token, "before").status_code == 201
        for _ in range(3):
            assert_error(_verify(api, room.room_id, "wrong password"), 401, "bad_password")
        # The limit holds: the right password is refused the same way as a wrong one.
        for password in ("wrong password", room.password):
            limited = _verify(api, room.room_id, password)
            assert_error(limited, 429, "rate_limited")
            assert 1 <= int(limited.headers["Retry-After"]) <= 60
        # Another room from the same address: its own per-room budget, within the
        # address's (5 a minute: 3 spent, 2 refused above did not count).
        assert _verify(api, other.room_id, other.password).status_code == 200
        assert _verify(api, other.room_id, other.password).status_code == 200
        assert_error(_verify(api, other.room_id, other.password), 429, "rate_limited")
        # A token holder is never locked out by the guessing.
        assert api.post(room.room_id, room.admin_token, "after").status_code == 201
        assert api.texts(room.room_id, room.admin_token) == ["before", "after"]
    finally:
        server.stop()


def test_sign_ups_and_logins_are_limited_per_address(runtime: str, tmp_path: Path) -> None:
    server = ServerProcess(runtime, tmp_path / "data", "memory", {"SECURECHAT_RATE_LIMITS": RULES})
    server.start()
    try:
        api = Api(server.url)
        api.create_room()
        account = {"username": "limited_user", "password": "a long enough password"}
        assert api.http.post("/auth/register", json=account).status_code == 201
        assert api.http.post("/auth/register", json={**account, "username": "two"}).status_code
        assert api.http.post("/auth/register", json={**account, "username": "three"}).status_code
        refused = api.http.post("/auth/register", json={**account, "username": "four"})
        assert_error(refused, 429, "rate_limited")
        login = api.http.post("/auth/login", json={**account, "username": "four"})
        assert_error(login, 401, "invalid_credentials")  # "four" was never created
        api.http.post("/auth/login", json=account)
        assert_error(api.http.post("/auth/login", json=account), 429, "rate_limited")
    finally:
        server.stop()


# -- sockets and identities, on every storage ----------------------------------------------

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data


def _limited_server(runtime: str, database: str, tmp_path: Path, rules: str) -> ServerProcess:
    server = ServerProcess(runtime, tmp_path / "data", database, {"SECURECHAT_RATE_LIMITS": rules})
    return server.start()


def _user_token(api: Api, name: str) -> str:
    body = {"username": name + "_" + secrets.token_hex(3), "password": ACCOUNT_PASSWORD}
    response = api.http.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


def _assert_limited_ack(ack: dict[str, Any]) -> None:
    assert set(ack) == {"ok", "status", "error", "code", "retry_after"}, ack
    assert (ack["ok"], ack["status"], ack["code"]) == (False, "error", "rate_limited")
    assert isinstance(ack["retry_after"], int) and 1 <= ack["retry_after"] <= 60


def test_socket_join_password_guessing_is_limited_like_rest(
    runtime: str, database: str, tmp_path: Path
) -> None:
    server = _limited_server(runtime, database, tmp_path, "password_room_ip=3/minute")
    try:
        api = Api(server.url)
        room = api.create_room()
        guest = api.token(room)  # a token holder from before the guessing
        member = _user_token(api, "member")
        joined = api.http.post(
            f"/chat/{room.room_id}/join",
            json={"password": room.password},
            headers={"Authorization": f"Bearer {member}"},
        )
        assert joined.status_code == 200, joined.text  # 2 of the 3 attempts spent
        guesser = _user_token(api, "guesser")
        with api.socket(guesser) as client:
            ack = client.call("join", {"room": room.room_id, "password": "wrong guess"}, timeout=5)
            assert ack["code"] == "bad_password"
            # The limit holds for this room and address: even the right password.
            for password in ("another guess", room.password):
                ack = client.call("join", {"room": room.room_id, "password": password}, timeout=5)
                _assert_limited_ack(ack)
            # Over REST too: one budget.
            limited = _verify(api, room.room_id, room.password)
            assert_error(limited, 429, "rate_limited")
        # Nothing changed: the guesser is no member.
        assert_error(api.messages(room.room_id, guesser), 403, "forbidden")
        # Token holders are never locked out by the guessing.
        for token in (room.admin_token, guest, member):
            with api.socket(token) as client:
                assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
                sent = client.call("message", {"room": room.room_id, "message": "in"}, timeout=5)
                assert sent["ok"] is True
        assert api.texts(room.room_id, room.admin_token) == ["in", "in", "in"]
    finally:
        server.stop()


def test_message_flooding_is_limited_per_identity(
    runtime: str, database: str, tmp_path: Path
) -> None:
    server = _limited_server(runtime, database, tmp_path, "message_user=3/minute")
    try:
        api = Api(server.url)
        room = api.create_room()
        guest = api.token(room)
        for index in range(3):
            assert api.post(room.room_id, room.admin_token, f"rest {index}").status_code == 201
        refused = api.post(room.room_id, room.admin_token, "rest over")
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        with api.socket(room.admin_token) as client:  # the same identity: the same budget
            assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
            ack = client.call("message", {"room": room.room_id, "message": "sock"}, timeout=5)
            _assert_limited_ack(ack)
        with api.socket(guest) as client:  # another identity: its own budget
            assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
            for index in range(2):
                message = {"room": room.room_id, "message": f"guest {index}"}
                assert client.call("message", message, timeout=5)["ok"] is True
            assert api.post(room.room_id, guest, "guest rest").status_code == 201
            flood = {"room": room.room_id, "message": "guest over"}
            _assert_limited_ack(client.call("message", flood, timeout=5))
            assert_error(api.post(room.room_id, guest, "guest rest over"), 429, "rate_limited")
        expected = ["rest 0", "rest 1", "rest 2", "guest 0", "guest 1", "guest rest"]
        assert api.texts(room.room_id, room.admin_token) == expected  # nothing beyond
    finally:
        server.stop()


def test_edits_over_rest_count_with_sends_per_identity(
    runtime: str, database: str, tmp_path: Path
) -> None:
    server = _limited_server(runtime, database, tmp_path, "message_user=3/minute")
    try:
        api = Api(server.url)
        room = api.create_room()
        guest = api.token(room)
        posted = api.post(room.room_id, guest, "first")
        message_id = posted.json()["message_id"]
        path = f"/chat/{room.room_id}/messages/{message_id}"
        headers = {"Authorization": f"Bearer {guest}"}
        for index in range(2):  # with the send: 3
            edited = api.http.patch(path, json={"message": f"edit {index}"}, headers=headers)
            assert edited.status_code == 200, edited.text
        refused = api.http.patch(path, json={"message": "edit over"}, headers=headers)
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Refused before anything was stored.
        assert api.texts(room.room_id, room.admin_token) == ["edit 1"]
        # Counted before the body is read: even a malformed one is refused the same way.
        bad = api.http.patch(
            path, content=b"{", headers={**headers, "Content-Type": "application/json"}
        )
        assert_error(bad, 429, "rate_limited")
    finally:
        server.stop()


def test_admin_password_guessing_is_limited_and_admin_tokens_go_on(
    runtime: str, tmp_path: Path
) -> None:
    server = ServerProcess(runtime, tmp_path / "data", "memory", {"SECURECHAT_RATE_LIMITS": RULES})
    server.start()
    try:
        api = Api(server.url)
        room_id = "r_" + secrets.token_hex(6)
        admin_password = "the admins' own one"  # noqa: S105 - test data
        made = api.http.post(
            "/room/create",
            json={
                "room_id": room_id,
                "password": "correct horse battery",
                "admin_password": admin_password,
            },
        )
        assert made.status_code == 201, made.text
        admin_token = made.json()["admin_token"]
        # The admin password works in place of a token.
        clear = f"/chat/{room_id}/clear"
        assert api.http.post(clear, json={"admin_password": admin_password}).status_code == 200
        for _ in range(2):
            wrong = api.http.post(clear, json={"admin_password": "a wrong guess"})
            assert_error(wrong, 401, "bad_password")
        # Three attempts on this room from this address: even the right one is refused now.
        limited = api.http.post(clear, json={"admin_password": admin_password})
        assert_error(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) >= 1
        # The admin token is not a password attempt: it goes on.
        headers = {"Authorization": f"Bearer {admin_token}"}
        assert api.http.post(clear, headers=headers).status_code == 200
        api.close()
    finally:
        server.stop()
