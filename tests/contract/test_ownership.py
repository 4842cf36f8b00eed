"""A room's owner against its co-admins, admin tokens minted from a sign-in, the kick's hold
on addresses, `guest` in the overview and an unlimited message_limit: on both runtimes and
every storage.

The servers of this module trust 127.0.0.1 as a proxy, so a test speaks for a client at any
address by sending `X-Forwarded-For`."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx

from tests.contract.client import PASSWORD, Api, Room, assert_error, wait_disconnected

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data
KICK_SECONDS = 3

SERVER_ENV = {
    "SECURECHAT_TRUSTED_PROXIES": "127.0.0.1",
    "SECURECHAT_KICK_SECONDS": str(KICK_SECONDS),
    "SECURECHAT_MESSAGE_LIMIT": "2",
    "SECURECHAT_RATE_LIMITS": "signup_ip=1000/hour",
}


def _headers(token: str | None = None, address: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return headers | ({"X-Forwarded-For": address} if address else {})


def _account(api: Api) -> dict[str, Any]:
    name = "user_" + secrets.token_hex(4)
    user = api.http.post("/auth/register", json={"username": name, "password": ACCOUNT_PASSWORD})
    assert user.status_code == 201, user.text
    return user.json()  # type: ignore[no-any-return]


def _co_admin(api: Api, room: Room, address: str | None = None) -> dict[str, Any]:
    """An account that joined the room and that the owner promoted."""
    user = _account(api)
    joined = api.http.post(
        f"/chat/{room.room_id}/join",
        json={"password": room.password},
        headers=_headers(user["access_token"], address),
    )
    assert joined.status_code == 200, joined.text
    promoted = _act(api, room, "promote", user["user_id"], room.admin_token)
    assert promoted.status_code == 200, promoted.text
    return user


def _act(
    api: Api, room: Room, action: str, user_id: str, token: str | None, address: str | None = None
) -> httpx.Response:
    return api.http.post(
        f"/admin/rooms/{room.room_id}/{action}",
        json={"user_id": user_id},
        headers=_headers(token, address),
    )


def _overview(api: Api, room: Room, token: str, address: str | None = None) -> httpx.Response:
    return api.http.get(f"/admin/rooms/{room.room_id}", headers=_headers(token, address))


def _rotate(api: Api, room: Room, token: str) -> httpx.Response:
    return api.http.post(f"/admin/rooms/{room.room_id}/admin_token", headers=_headers(token))


def _owner(api: Api, room: Room) -> str:
    overview = _overview(api, room, room.admin_token)
    assert overview.status_code == 200, overview.text
    return str(overview.json()["owner"])


def test_a_co_admin_can_neither_take_the_owners_token_nor_the_room(api: Api) -> None:
    room = api.create_room()
    co_admin = _co_admin(api, room)
    token = co_admin["access_token"]

    assert_error(_rotate(api, room, token), 403, "owner_required")
    taken = _act(api, room, "owner", co_admin["user_id"], token)
    assert_error(taken, 403, "owner_required")

    # The owner's admin token still works, and the owner is still the creator.
    assert _owner(api, room) == _overview(api, room, token).json()["created_by"]
    assert api.texts(room.room_id, room.admin_token) == []


def test_a_co_admin_cannot_demote_kick_or_ban_the_owner(api: Api) -> None:
    room = api.create_room()
    token = _co_admin(api, room)["access_token"]
    owner = _owner(api, room)
    for action in ("demote", "kick", "ban"):
        assert_error(_act(api, room, action, owner, token), 403, "owner_protected")
    members = {m["user_id"]: m for m in _overview(api, room, room.admin_token).json()["members"]}
    assert (members[owner]["role"], members[owner]["standing"]) == ("admin", "active")


def test_require_never_shuts_the_owner_out_whatever_a_co_admin_verifies(api: Api) -> None:
    room_id = "r_" + secrets.token_hex(6)
    admin_password = "the owner's own one"  # noqa: S105 - test data
    made = api.http.post(
        "/room/create",
        json={"room_id": room_id, "password": PASSWORD, "admin_password": admin_password},
    )
    assert made.status_code == 201, made.text
    room = Room(room_id, made.json()["admin_token"])
    co_address, owner_address = "198.51.100.7", "203.0.113.9"
    token = _co_admin(api, room, co_address)["access_token"]
    owners_socket = api.socket(room.admin_token)  # from this machine, never verified
    try:
        assert owners_socket.call("join", {"room": room_id}, timeout=5)["ok"] is True
        verified = api.http.post(
            "/admin/verify_ip",
            json={"room_id": room_id, "ip": co_address},
            headers=_headers(token, co_address),
        )
        assert verified.status_code == 200, verified.text
        switched = api.http.patch(
            f"/admin/rooms/{room_id}/settings",
            json={"ip_policy": "require"},
            headers=_headers(token, co_address),
        )
        assert switched.status_code == 200, switched.text

        # The owner's socket stays in the room, and its token works from anywhere.
        ack = owners_socket.call("message", {"room": room_id, "message": "still here"}, timeout=5)
        assert ack["ok"] is True, ack
        assert _overview(api, room, room.admin_token, owner_address).status_code == 200
        read = api.http.get(
            f"/chat/{room_id}/messages", headers=_headers(room.admin_token, owner_address)
        )
        assert read.status_code == 200, read.text
        # So does its admin password, and with it the owner fixes the policy.
        fixed = api.http.patch(
            f"/admin/rooms/{room_id}/settings",
            json={"ip_policy": "off", "admin_password": admin_password},
            headers=_headers(address=owner_address),
        )
        assert (fixed.status_code, fixed.json()["settings"]["ip_policy"]) == (200, "off")
    finally:
        owners_socket.disconnect()


def test_the_owner_hands_the_room_on_and_becomes_a_co_admin(api: Api) -> None:
    room_id = "r_" + secrets.token_hex(6)
    admin_password = "the owner's own one"  # noqa: S105 - test data
    made = api.http.post(
        "/room/create",
        json={"room_id": room_id, "password": PASSWORD, "admin_password": admin_password},
    )
    room = Room(room_id, made.json()["admin_token"])
    creator = _owner(api, room)
    heir = _account(api)
    joined = api.http.post(
        f"/chat/{room_id}/join",
        json={"password": PASSWORD},
        headers=_headers(heir["access_token"]),
    )
    assert joined.status_code == 200, joined.text

    handed = _act(api, room, "owner", heir["user_id"], room.admin_token)

    assert handed.status_code == 200, handed.text
    assert handed.json() == {"room_id": room_id, "owner": heir["user_id"], "previous": creator}
    # The previous owner is a co-admin: it may not take the room back nor rotate.
    assert_error(_rotate(api, room, room.admin_token), 403, "owner_required")
    assert_error(_act(api, room, "owner", creator, room.admin_token), 403, "owner_required")
    # The admin password stood for it: gone with the room.
    stale = api.http.post(
        f"/admin/rooms/{room_id}/admin_token", json={"admin_password": admin_password}
    )
    assert_error(stale, 401, "bad_password")
    # The new owner rotates: the previous owner's admin token dies.
    assert _rotate(api, room, heir["access_token"]).status_code == 200
    assert_error(_overview(api, room, room.admin_token), 401, "unauthorized")


def test_an_admin_token_minted_from_a_sign_in_dies_with_it_and_shows_an_account(
    api: Api,
) -> None:
    user = _account(api)
    access = user["access_token"]
    rooms = []
    for _ in range(2):
        room_id = "r_" + secrets.token_hex(6)
        made = api.http.post(
            "/room/create",
            json={"room_id": room_id, "password": PASSWORD},
            headers=_headers(access),
        )
        assert made.status_code == 201, made.text
        rooms.append(Room(room_id, made.json()["admin_token"]))
    first, second = rooms
    rotated = _rotate(api, first, access)
    assert rotated.status_code == 200, rotated.text
    minted = rotated.json()["admin_token"]

    # Identities are never mixed: the account's messages say it is no guest.
    assert api.post(first.room_id, minted, "from the minted token").status_code == 201
    assert api.post(second.room_id, second.admin_token, "from the creation's").status_code == 201
    for room, token in ((first, minted), (second, second.admin_token)):
        (message,) = api.messages(room.room_id, token).json()["messages"]
        assert (message["user_id"], message["guest"]) == (user["user_id"], False)
    socket = api.socket(minted)
    try:
        assert socket.call("join", {"room": first.room_id}, timeout=5)["ok"] is True
        out = api.http.post("/auth/logout", json={"refresh_token": user["refresh_token"]})
        assert out.status_code == 200, out.text
        assert wait_disconnected(socket)
    finally:
        socket.disconnect()
    # Both admin tokens died with the sign-in.
    for room, token in ((first, minted), (second, second.admin_token)):
        assert_error(_overview(api, room, token), 401, "unauthorized")
        assert_error(api.messages(room.room_id, token), 401, "unauthorized")


def test_a_kick_holds_the_kicked_guests_addresses_for_the_kick_seconds(api: Api) -> None:
    room = api.create_room()
    home, elsewhere = "192.0.2.44", "192.0.2.45"
    body = {"password": room.password, "username": "zoe_" + secrets.token_hex(3)}
    verify = f"/chat/{room.room_id}/verify"
    guest = api.http.post(verify, json=body, headers=_headers(address=home)).json()
    kicked = _act(api, room, "kick", guest["user_id"], room.admin_token)
    assert (kicked.status_code, kicked.json()["standing"]) == (200, "kicked")

    # Same address, same name: refused before any password work; so is a user's join.
    assert_error(api.http.post(verify, json=body, headers=_headers(address=home)), 403, "kicked")
    user = _account(api)
    joined = api.http.post(
        f"/chat/{room.room_id}/join",
        json={"password": room.password},
        headers=_headers(user["access_token"], home),
    )
    assert_error(joined, 403, "kicked")
    # Another address is not held.
    other = api.http.post(
        verify, json={"password": room.password}, headers=_headers(None, elsewhere)
    )
    assert other.status_code == 200, other.text
    # Once the kick has ended, the address gets in again.
    time.sleep(KICK_SECONDS + 0.5)
    again = api.http.post(verify, json=body, headers=_headers(address=home))
    assert again.status_code == 200, again.text


def test_the_overviews_members_say_which_are_guests(api: Api) -> None:
    room = api.create_room()
    guest = api.verify(room)
    user = _account(api)
    joined = api.http.post(
        f"/chat/{room.room_id}/join",
        json={"password": room.password},
        headers=_headers(user["access_token"]),
    )
    assert joined.status_code == 200, joined.text
    members = _overview(api, room, room.admin_token).json()["members"]
    guests = {m["user_id"]: m["guest"] for m in members}
    assert guests == {_owner(api, room): True, guest["user_id"]: True, user["user_id"]: False}


def test_a_message_limit_of_zero_keeps_every_message_whatever_the_default(api: Api) -> None:
    unlimited, default = api.create_room(), api.create_room()
    changed = api.http.patch(
        f"/admin/rooms/{unlimited.room_id}/settings",
        json={"message_limit": 0},
        headers=_headers(unlimited.admin_token),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["settings"]["message_limit"] == 0
    texts = [f"m{n}" for n in range(4)]
    for room in (unlimited, default):
        for text in texts:
            assert api.post(room.room_id, room.admin_token, text).status_code == 201
    assert api.texts(unlimited.room_id, unlimited.admin_token) == texts
    assert api.texts(default.room_id, default.admin_token) == texts[2:]  # the server's 2
    refused = api.http.patch(
        f"/admin/rooms/{unlimited.room_id}/settings",
        json={"message_limit": -1},
        headers=_headers(unlimited.admin_token),
    )
    assert_error(refused, 400, "invalid_message_limit")
