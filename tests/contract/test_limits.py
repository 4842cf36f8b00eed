"""Abuse limits over the wire, on both runtimes: password guessing past the limit is a 429
with Retry-After even for the right password, other rooms and token holders go on, and
nothing else changes."""

from __future__ import annotations

from pathlib import Path

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
