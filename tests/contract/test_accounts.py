"""Accounts over the wire, on both runtimes and every storage: register, login, rotating
refresh tokens whose replay revokes the sign-in, logout."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.contract.client import Api, assert_error

PASSWORD = "a long enough password"  # noqa: S105 - test data
SIGNED_IN = {"user_id", "username", "access_token", "refresh_token", "expires_in"}


def _name() -> str:
    return "user_" + secrets.token_hex(4)


def _register(api: Api, username: str) -> dict[str, Any]:
    response = api.http.post("/auth/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == SIGNED_IN
    return body


def _refresh(api: Api, token: str) -> httpx.Response:
    return api.http.post("/auth/refresh", json={"refresh_token": token})


def test_register_then_login_with_the_name_in_another_case(api: Api) -> None:
    name = _name()
    registered = _register(api, name)
    assert registered["expires_in"] == 900
    assert PASSWORD not in str(registered)
    login = api.http.post("/auth/login", json={"username": name.upper(), "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["user_id"] == registered["user_id"]


def test_a_taken_name_is_refused_in_any_case(api: Api) -> None:
    name = _name()
    _register(api, name)
    again = api.http.post(
        "/auth/register", json={"username": name.upper(), "password": "another password!"}
    )
    assert_error(again, 409, "username_taken")
    # The first account's password still works; the would-be duplicate's does not.
    wrong = api.http.post("/auth/login", json={"username": name, "password": "another password!"})
    assert_error(wrong, 401, "invalid_credentials")


def test_wrong_password_and_unknown_name_are_the_same_refusal(api: Api) -> None:
    name = _name()
    _register(api, name)
    wrong = api.http.post("/auth/login", json={"username": name, "password": "wrong password"})
    unknown = api.http.post("/auth/login", json={"username": _name(), "password": PASSWORD})
    assert assert_error(wrong, 401, "invalid_credentials") == assert_error(
        unknown, 401, "invalid_credentials"
    )


def test_a_refresh_token_is_used_once_and_its_replay_revokes_the_sign_in(api: Api) -> None:
    first = _register(api, _name())
    rotated = _refresh(api, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    newer = rotated.json()
    assert newer["refresh_token"] != first["refresh_token"]
    # The stolen-and-replayed old token: refused, and the thief's victim's newer one dies too.
    assert_error(_refresh(api, first["refresh_token"]), 401, "invalid_refresh_token")
    assert_error(_refresh(api, newer["refresh_token"]), 401, "invalid_refresh_token")
    # Another sign-in of the same account is untouched.
    other = api.http.post(
        "/auth/login", json={"username": first["username"], "password": PASSWORD}
    ).json()
    assert _refresh(api, other["refresh_token"]).status_code == 200


def test_logout_revokes_the_sign_in(api: Api) -> None:
    first = _register(api, _name())
    out = api.http.post("/auth/logout", json={"refresh_token": first["refresh_token"]})
    assert (out.status_code, out.json()) == (200, {"revoked": True})
    assert_error(_refresh(api, first["refresh_token"]), 401, "invalid_refresh_token")
    bogus = api.http.post("/auth/logout", json={"refresh_token": "not-a-token"})
    assert_error(bogus, 401, "invalid_refresh_token")


def test_a_user_token_opens_no_room_before_its_user_joins(api: Api) -> None:
    room = api.create_room()
    user = _register(api, _name())
    assert_error(api.messages(room.room_id, user["access_token"]), 403, "forbidden")
    assert_error(api.post(room.room_id, user["access_token"], "hi"), 403, "forbidden")
    assert api.texts(room.room_id, room.admin_token) == []


def test_account_bodies_are_schemas(api: Api) -> None:
    extra = api.http.post(
        "/auth/register", json={"username": _name(), "password": PASSWORD, "admin": True}
    )
    assert_error(extra, 400, "unexpected_field")
    typed = api.http.post("/auth/login", json={"username": _name(), "password": 123})
    assert_error(typed, 400, "invalid_field")
    missing = api.http.post("/auth/refresh", json={})
    assert_error(missing, 400, "missing_field")
