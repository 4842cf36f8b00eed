"""Guest profiles and the guest mark, on both runtimes and every storage: a guest profile is
created under a chosen id, signed in, shown with public fields only, edited only by itself;
names are unique across accounts and guest profiles; every refusal changes nothing."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx

from tests.contract.client import Api, assert_error, receive_until
from tests.contract.harness import ServerProcess

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data
# HTML and script in a name and a URL: data, stored and returned verbatim.
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_AVATAR = "https://example.org/'\"><script>alert(1)</script>.png"
PUBLIC = {"user_id", "username", "avatar", "guest"}


def _id() -> str:
    return "p_" + secrets.token_hex(5)


def _create(api: Api, **body: Any) -> httpx.Response:
    return api.http.post("/user/profile", json=body)


def _guest(api: Api, username: str | None = None, avatar: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": _id(), "username": username or _id()}
    if avatar is not None:
        body["avatar"] = avatar
    response = _create(api, **body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert set(created) == PUBLIC | {"access_token", "refresh_token", "expires_in"}
    assert created["guest"] is True and created["user_id"] == body["user_id"]
    return created


def _register(api: Api, username: str | None = None) -> dict[str, Any]:
    name = username or "acct_" + secrets.token_hex(4)
    response = api.http.post(
        "/auth/register", json={"username": name, "password": ACCOUNT_PASSWORD}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _show(api: Api, user_id: str) -> httpx.Response:
    return api.http.get(f"/user/profile/{user_id}")


def _put(api: Api, user_id: str, token: str | None, body: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.http.put(f"/user/profile/{user_id}", json=body, headers=headers)


def test_a_guest_profile_is_created_signed_in_and_shown_verbatim(api: Api) -> None:
    created = _guest(api, HOSTILE_NAME + secrets.token_hex(2), HOSTILE_AVATAR)
    assert created["avatar"] == HOSTILE_AVATAR and created["expires_in"] == 900
    shown = _show(api, created["user_id"])
    assert shown.status_code == 200 and shown.headers["content-type"] == "application/json"
    assert shown.json() == {
        "user_id": created["user_id"],
        "username": created["username"],
        "avatar": HOSTILE_AVATAR,
        "guest": True,
    }
    assert shown.json()["username"].startswith(HOSTILE_NAME)
    # Its refresh token keeps the identity past the access token's 15 minutes.
    rotated = api.http.post("/auth/refresh", json={"refresh_token": created["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["user_id"] == created["user_id"]
    # No password: it can never log in.
    for password in (ACCOUNT_PASSWORD, "", "x" * 8):
        login = api.http.post(
            "/auth/login", json={"username": created["username"], "password": password}
        )
        assert_error(login, 401, "invalid_credentials")


def test_accounts_and_room_guests_have_profiles_too_marked_by_kind(api: Api) -> None:
    account = _register(api)
    assert _show(api, account["user_id"]).json() == {
        "user_id": account["user_id"],
        "username": account["username"],
        "avatar": None,
        "guest": False,
    }
    room = api.create_room()
    room_guest = api.verify(room, "Rook " + secrets.token_hex(2))
    shown = _show(api, room_guest["user_id"]).json()
    assert shown == {
        "user_id": room_guest["user_id"],
        "username": room_guest["username"],
        "avatar": None,
        "guest": True,
    }
    assert_error(_show(api, "nobody_" + secrets.token_hex(4)), 404, "profile_not_found")


def test_bad_reserved_and_taken_ids_and_names_are_refused_and_change_nothing(api: Api) -> None:
    taken = _guest(api)
    account = _register(api)
    fresh = _id()
    ok: dict[str, Any] = {"user_id": fresh, "username": "x" + fresh}
    for body, status, code in (
        (ok | {"user_id": "g_" + secrets.token_hex(4)}, 400, "reserved_user_id"),
        (ok | {"user_id": "no spaces"}, 400, "invalid_user_id"),
        (ok | {"user_id": "x" * 65}, 400, "invalid_user_id"),
        (ok | {"username": "\u3164"}, 400, "invalid_username"),
        (ok | {"avatar": "javascript:alert(1)"}, 400, "invalid_avatar"),
        (ok | {"avatar": "https://x/" + "a" * 2048}, 400, "invalid_avatar"),
        (ok | {"avatar": "https://x.org/a\nb"}, 400, "invalid_avatar"),
        (ok | {"password": "pw"}, 400, "unexpected_field"),
        ({"user_id": fresh}, 400, "missing_field"),
        (ok | {"user_id": taken["user_id"]}, 409, "user_id_taken"),
        (ok | {"user_id": account["user_id"]}, 409, "user_id_taken"),
        (ok | {"username": taken["username"].upper()}, 409, "username_taken"),
        (ok | {"username": account["username"].upper()}, 409, "username_taken"),
    ):
        assert_error(_create(api, **body), status, code)
    assert_error(_show(api, fresh), 404, "profile_not_found")
    assert _show(api, taken["user_id"]).json()["username"] == taken["username"]
    assert _show(api, account["user_id"]).json()["guest"] is False
    # Registering a guest profile's name, in any case, is refused too.
    again = api.http.post(
        "/auth/register",
        json={"username": taken["username"].upper(), "password": ACCOUNT_PASSWORD},
    )
    assert_error(again, 409, "username_taken")


def test_a_room_guest_may_not_show_a_claimed_name(api: Api) -> None:
    guest, account = _guest(api), _register(api)
    room = api.create_room()
    for name in (guest["username"].upper(), account["username"].upper()):
        response = api.http.post(
            f"/chat/{room.room_id}/verify", json={"password": room.password, "username": name}
        )
        assert_error(response, 409, "username_taken")
    assert api.texts(room.room_id, room.admin_token) == []


def test_only_the_owner_edits_a_profile_and_refusals_change_nothing(api: Api) -> None:
    guest = _guest(api, avatar="https://example.org/a.png")
    other = _register(api)
    room = api.create_room()
    user_id, before = guest["user_id"], _show(api, guest["user_id"]).json()
    rename = {"username": "stolen_" + secrets.token_hex(3)}
    assert_error(_put(api, user_id, other["access_token"], rename), 403, "identity_mismatch")
    assert_error(_put(api, user_id, room.admin_token, rename), 403, "forbidden")
    assert_error(_put(api, user_id, None, rename), 401, "unauthorized")
    assert_error(_put(api, user_id, "forged.token.x", rename), 401, "unauthorized")
    own = guest["access_token"]
    assert_error(_put(api, user_id, own, {"username": other["username"]}), 409, "username_taken")
    assert_error(_put(api, user_id, own, {"avatar": "ftp://x.org/a"}), 400, "invalid_avatar")
    assert_error(_put(api, user_id, own, {"user_id": "me"}), 400, "unexpected_field")
    assert _show(api, user_id).json() == before

    new_name = "renamed_" + secrets.token_hex(3)
    changed = _put(api, user_id, own, {"username": new_name, "avatar": None})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert set(body) == PUBLIC | {"access_token", "expires_in"}
    assert (body["username"], body["avatar"], body["guest"]) == (new_name, None, True)
    assert _show(api, user_id).json() == {
        "user_id": user_id,
        "username": new_name,
        "avatar": None,
        "guest": True,
    }
    # The old name is free again.
    _register(api, guest["username"])


def test_messages_and_presence_mark_guests_and_accounts(api: Api) -> None:
    room = api.create_room()
    guest = _guest(api)
    account = _register(api)
    for token in (guest["access_token"], account["access_token"]):
        joined = api.http.post(
            f"/chat/{room.room_id}/join",
            json={"password": room.password},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert joined.status_code == 200, joined.text
    with api.socket(guest["access_token"]) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        status = receive_until(client, "status")
        assert (status["user_id"], status["guest"]) == (guest["user_id"], True)
        assert api.post(room.room_id, account["access_token"], "from an account").status_code == 201
        event = receive_until(client, "message")
        assert (event["user_id"], event["guest"]) == (account["user_id"], False)
    assert api.post(room.room_id, guest["access_token"], "from a guest").status_code == 201
    assert api.post(room.room_id, room.admin_token, "from the room's admin").status_code == 201
    page = api.messages(room.room_id, account["access_token"]).json()["messages"]
    assert [(m["user_id"], m["guest"]) for m in page] == [
        (account["user_id"], False),
        (guest["user_id"], True),
        (page[2]["user_id"], True),  # a room token's identity
    ]


def test_guest_profiles_count_under_the_sign_up_limit(runtime: str, tmp_path: Path) -> None:
    rules = {"SECURECHAT_RATE_LIMITS": "signup_ip=3/minute"}
    server = ServerProcess(runtime, tmp_path / "data", "memory", rules)
    server.start()
    try:
        api = Api(server.url)
        _guest(api)
        _register(api)
        _guest(api)
        user_id = _id()
        limited = _create(api, user_id=user_id, username="late")
        assert_error(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) >= 1
        assert_error(_show(api, user_id), 404, "profile_not_found")
        api.close()
    finally:
        server.stop()
