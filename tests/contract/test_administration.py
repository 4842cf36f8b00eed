"""Room administration, on both runtimes and every storage: deleting a room, clearing its
history, deleting a message, the dashboard's view, settings and the admin token's rotation;
each refusal shown to change nothing, and what each does to the room's live sockets."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import socketio

from tests.contract.client import (
    PASSWORD,
    Api,
    Room,
    assert_error,
    receive_until,
    wait_disconnected,
)

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _delete_room(api: Api, room_id: str, token: str | None) -> httpx.Response:
    return api.http.post("/admin/delete_room", json={"room_id": room_id}, headers=_bearer(token))


def _clear(api: Api, room_id: str, token: str | None) -> httpx.Response:
    return api.http.post(f"/chat/{room_id}/clear", headers=_bearer(token))


def _delete_message(api: Api, room_id: str, message_id: str, token: str | None) -> httpx.Response:
    return api.http.delete(f"/chat/{room_id}/messages/{message_id}", headers=_bearer(token))


def _overview(api: Api, room_id: str, token: str | None) -> httpx.Response:
    return api.http.get(f"/admin/rooms/{room_id}", headers=_bearer(token))


def _settings(api: Api, room_id: str, token: str | None, body: object) -> httpx.Response:
    return api.http.patch(f"/admin/rooms/{room_id}/settings", json=body, headers=_bearer(token))


def _rotate(api: Api, room_id: str, token: str | None) -> httpx.Response:
    return api.http.post(f"/admin/rooms/{room_id}/admin_token", headers=_bearer(token))


def _act(api: Api, room_id: str, action: str, user_id: str, token: str | None) -> httpx.Response:
    return api.http.post(
        f"/admin/rooms/{room_id}/{action}", json={"user_id": user_id}, headers=_bearer(token)
    )


def _posted(api: Api, room_id: str, token: str, text: str) -> str:
    response = api.post(room_id, token, text)
    assert response.status_code == 201, response.text
    return str(response.json()["message_id"])


def _member(api: Api, room: Room) -> dict[str, Any]:
    """A signed-in user who joined the room: a plain member."""
    body = _member_candidate(api)
    joined = api.http.post(
        f"/chat/{room.room_id}/join",
        json={"password": room.password},
        headers=_bearer(body["access_token"]),
    )
    assert joined.status_code == 200, joined.text
    return body


def _joined_socket(api: Api, token: str, room_id: str) -> socketio.SimpleClient:
    client = api.socket(token)
    ack = client.call("join", {"room": room_id}, timeout=5)
    assert ack["ok"] is True, ack
    return client


def _admin_operations(
    api: Api, room_id: str, token: str | None, message_id: str | None = None
) -> list[httpx.Response]:
    """Every admin-only operation; and the deletion of a message (someone else's)."""
    message_id = message_id or "01900000-0000-7000-8000-000000000000"
    someone = "g_someone"
    return [
        _delete_room(api, room_id, token),
        _clear(api, room_id, token),
        _overview(api, room_id, token),
        _settings(api, room_id, token, {"password": "taken over!"}),
        _rotate(api, room_id, token),
        *(
            _act(api, room_id, action, someone, token)
            for action in ("promote", "demote", "kick", "ban", "unban")
        ),
    ] + ([_delete_message(api, room_id, message_id, token)] if message_id else [])


def test_deleting_a_room_tells_its_sockets_and_kills_its_tokens(api: Api) -> None:
    room = api.create_room()
    guest = api.token(room)
    _posted(api, room.room_id, guest, "soon gone")
    watcher = _joined_socket(api, guest, room.room_id)
    try:
        deleted = _delete_room(api, room.room_id, room.admin_token)
        assert (deleted.status_code, deleted.json()) == (
            200,
            {"room_id": room.room_id, "deleted": True},
        )
        assert receive_until(watcher, "room_deleted") == {
            "room": room.room_id,
            "reason": "room_deleted",
        }
        # Out of the room: it can no longer send there, and the room is gone for REST too.
        ack = watcher.call("message", {"room": room.room_id, "message": "hello?"}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "not_joined")
    finally:
        watcher.disconnect()
    assert_error(api.messages(room.room_id, guest), 401, "unauthorized")
    # A new room under the same id: the old tokens open nothing of it, and it holds nothing.
    again = api.create_room(room.room_id, password="another password")
    for response in _admin_operations(api, room.room_id, room.admin_token):
        assert_error(response, 401, "unauthorized")
    assert_error(api.messages(room.room_id, guest), 401, "unauthorized")
    assert api.texts(room.room_id, again.admin_token) == []
    assert _overview(api, room.room_id, again.admin_token).status_code == 200


def test_clearing_history_empties_the_room_and_tells_its_sockets(api: Api) -> None:
    room = api.create_room()
    guest = api.token(room)
    for text in ("one", "two"):
        _posted(api, room.room_id, guest, text)
    watcher = _joined_socket(api, guest, room.room_id)
    try:
        cleared = _clear(api, room.room_id, room.admin_token)
        assert (cleared.status_code, cleared.json()) == (
            200,
            {"room_id": room.room_id, "cleared": 2},
        )
        told = receive_until(watcher, "history_cleared")
        assert told.pop("epoch")  # the room's stream (test_delivery.py)
        assert told == {"room": room.room_id, "offset": 3}
    finally:
        watcher.disconnect()
    assert api.texts(room.room_id, guest) == []


def test_a_message_is_deleted_by_its_sender_or_an_admin_and_no_one_else(api: Api) -> None:
    room = api.create_room()
    alice, bob = api.token(room), api.token(room)
    first = _posted(api, room.room_id, alice, "first")
    second = _posted(api, room.room_id, alice, "second")
    watcher = _joined_socket(api, bob, room.room_id)
    try:
        assert_error(_delete_message(api, room.room_id, first, bob), 403, "forbidden")
        assert api.texts(room.room_id, bob) == ["first", "second"]
        by_sender = _delete_message(api, room.room_id, first, alice)
        assert (by_sender.status_code, by_sender.json()) == (
            200,
            {"room_id": room.room_id, "message_id": first, "deleted": True},
        )
        deleted = receive_until(watcher, "message_deleted")
        assert deleted.pop("epoch")  # the room's stream (test_delivery.py)
        assert deleted == {"room": room.room_id, "message_id": first, "offset": 3}
        assert _delete_message(api, room.room_id, second, room.admin_token).status_code == 200
    finally:
        watcher.disconnect()
    assert api.texts(room.room_id, bob) == []
    assert_error(_delete_message(api, room.room_id, first, alice), 404, "message_not_found")
    assert_error(_delete_message(api, room.room_id, "not-an-id", alice), 400, "invalid_message_id")


def test_the_dashboard_view_lists_members_roles_settings_and_count(api: Api) -> None:
    room = api.create_room()
    member = _member(api, room)
    _posted(api, room.room_id, member["access_token"], "hello")
    got = _overview(api, room.room_id, room.admin_token)
    assert got.status_code == 200, got.text
    body = got.json()
    assert set(body) == {
        "room_id",
        "created_by",
        "owner",
        "created_at",
        "settings",
        "members",
        "message_count",
        "verified_ips",
        "pending_ips",
    }
    assert (body["room_id"], body["message_count"]) == (room.room_id, 1)
    roles = {m["user_id"]: (m["username"], m["role"], m["guest"]) for m in body["members"]}
    assert roles[member["user_id"]] == (member["username"], "member", False)
    assert roles[body["created_by"]][1:] == ("admin", True)
    assert body["owner"] == body["created_by"]


def test_a_new_password_drops_guest_sockets_and_keeps_the_admin(api: Api) -> None:
    room = api.create_room()
    guest = api.token(room)
    member = _member(api, room)
    guest_socket = _joined_socket(api, guest, room.room_id)
    member_socket = _joined_socket(api, member["access_token"], room.room_id)
    try:
        changed = _settings(
            api, room.room_id, room.admin_token, {"password": "a brand new one", "message_limit": 9}
        )
        assert (changed.status_code, changed.json()) == (
            200,
            {
                "room_id": room.room_id,
                "settings": {"message_limit": 9, "ip_policy": "off"},
                "password_changed": True,
            },
        )
        assert wait_disconnected(guest_socket)
        assert member_socket.connected  # a member's token never depended on the password
        ack = member_socket.call("message", {"room": room.room_id, "message": "hi"}, timeout=5)
        assert ack["ok"] is True, ack
    finally:
        guest_socket.disconnect()
        member_socket.disconnect()
    assert_error(api.messages(room.room_id, guest), 401, "unauthorized")
    old = api.http.post(f"/chat/{room.room_id}/verify", json={"password": PASSWORD})
    assert_error(old, 401, "bad_password")
    assert api.verify(Room(room.room_id, room.admin_token, "a brand new one"))["token"]
    assert api.texts(room.room_id, room.admin_token) == ["hi"]


def test_rotating_the_admin_token_drops_the_old_ones_sockets(api: Api) -> None:
    room = api.create_room()
    old_socket = _joined_socket(api, room.admin_token, room.room_id)
    try:
        rotated = _rotate(api, room.room_id, room.admin_token)
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["admin_token"]
        assert wait_disconnected(old_socket)
    finally:
        old_socket.disconnect()
    for response in _admin_operations(api, room.room_id, room.admin_token):
        assert_error(response, 401, "unauthorized")
    assert _overview(api, room.room_id, new).status_code == 200


def test_no_admin_operation_yields_to_a_guest_a_member_or_another_rooms_admin(api: Api) -> None:
    room = api.create_room()
    other = api.create_room()
    guest = api.token(room)
    member = _member(api, room)
    kept = _posted(api, room.room_id, room.admin_token, "kept")
    for token, status, code in (
        (guest, 403, "admin_required"),
        (member["access_token"], 403, "admin_required"),
        (other.admin_token, 403, "forbidden"),
        (None, 401, "unauthorized"),
    ):
        *admin_only, delete = _admin_operations(api, room.room_id, token, kept)
        for response in admin_only:
            assert_error(response, status, code)
        # Not the sender's own message: the same refusal, but for non-admins `forbidden`.
        assert_error(delete, status, "forbidden" if status == 403 else code)
    # Nothing changed: the messages, the password, the admin token.
    assert api.texts(room.room_id, room.admin_token) == ["kept"]
    assert api.verify(room)["token"]
    assert _overview(api, room.room_id, room.admin_token).status_code == 200


def test_a_kicked_guest_is_told_leaves_and_cannot_come_back_for_now(api: Api) -> None:
    room = api.create_room()
    access = api.verify(room)
    token, user_id = access["token"], access["user_id"]
    kicked = _joined_socket(api, token, room.room_id)
    stays = _joined_socket(api, room.admin_token, room.room_id)
    try:
        done = _act(api, room.room_id, "kick", user_id, room.admin_token)
        assert done.status_code == 200, done.text
        assert (done.json()["standing"], done.json()["role"]) == ("kicked", "member")
        assert receive_until(kicked, "kicked") == {"room": room.room_id, "reason": "kicked"}
        leave = receive_until(stays, "status")
        while leave["event"] != "leave":
            leave = receive_until(stays, "status")
        assert leave["user_id"] == user_id
        # Out of the room: no sending there, no joining again, no REST.
        ack = kicked.call("message", {"room": room.room_id, "message": "hey"}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "not_joined")
        ack = kicked.call("join", {"room": room.room_id}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "kicked")
    finally:
        kicked.disconnect()
        stays.disconnect()
    assert_error(api.post(room.room_id, token, "hey"), 403, "kicked")
    assert_error(api.messages(room.room_id, token), 403, "kicked")
    assert api.texts(room.room_id, room.admin_token) == []


def test_a_banned_guest_cannot_get_back_in_with_the_password_from_its_address(api: Api) -> None:
    room = api.create_room()
    access = api.verify(room)
    token, user_id = access["token"], access["user_id"]
    banned = _joined_socket(api, token, room.room_id)
    try:
        done = _act(api, room.room_id, "ban", user_id, room.admin_token)
        assert (done.status_code, done.json()["standing"]) == (200, "banned")
        assert receive_until(banned, "banned") == {"room": room.room_id, "reason": "banned"}
    finally:
        banned.disconnect()
    assert_error(api.messages(room.room_id, token), 403, "banned")
    # The right password, from the address its token was used from (this test's): refused.
    again = api.http.post(f"/chat/{room.room_id}/verify", json={"password": room.password})
    assert_error(again, 403, "banned")
    user = _member_candidate(api)
    joined = api.http.post(
        f"/chat/{room.room_id}/join",
        json={"password": room.password},
        headers=_bearer(user["access_token"]),
    )
    assert_error(joined, 403, "banned")
    listed = _overview(api, room.room_id, room.admin_token).json()["members"]
    assert {m["user_id"]: m["standing"] for m in listed}[user_id] == "banned"

    lifted = _act(api, room.room_id, "unban", user_id, room.admin_token)
    assert (lifted.status_code, lifted.json()["standing"]) == (200, None)
    assert api.verify(room)["token"]
    assert api.texts(room.room_id, token) == []  # its token works again


def test_a_promoted_member_administers_and_a_demoted_one_no_longer(api: Api) -> None:
    room = api.create_room()
    member = _member(api, room)
    token = member["access_token"]
    assert_error(_overview(api, room.room_id, token), 403, "admin_required")
    watcher = _joined_socket(api, room.admin_token, room.room_id)
    try:
        promoted = _act(api, room.room_id, "promote", member["user_id"], room.admin_token)
        assert (promoted.status_code, promoted.json()["role"]) == (200, "admin")
        changed = receive_until(watcher, "role_changed")
        assert changed == {"room": room.room_id, "user_id": member["user_id"], "role": "admin"}
    finally:
        watcher.disconnect()
    assert _overview(api, room.room_id, token).status_code == 200
    # An admin member may not demote the creator.
    creator = _overview(api, room.room_id, token).json()["created_by"]
    assert_error(_act(api, room.room_id, "demote", creator, token), 403, "owner_protected")
    demoted = _act(api, room.room_id, "demote", member["user_id"], room.admin_token)
    assert (demoted.status_code, demoted.json()["role"]) == (200, "member")
    assert_error(_overview(api, room.room_id, token), 403, "admin_required")


def _member_candidate(api: Api) -> dict[str, Any]:
    name = "user_" + secrets.token_hex(4)
    user = api.http.post("/auth/register", json={"username": name, "password": ACCOUNT_PASSWORD})
    assert user.status_code == 201, user.text
    return user.json()  # type: ignore[no-any-return]


def test_the_admin_password_proves_admin_in_a_body_and_the_join_password_never(
    api: Api,
) -> None:
    room_id = "r_" + secrets.token_hex(6)
    admin_password = "the admins' own one"  # noqa: S105 - test data
    made = api.http.post(
        "/room/create",
        json={"room_id": room_id, "password": PASSWORD, "admin_password": admin_password},
    )
    assert made.status_code == 201, made.text
    guest = api.verify(Room(room_id, made.json()["admin_token"]))
    kicked = api.http.post(
        f"/admin/rooms/{room_id}/kick",
        json={"user_id": guest["user_id"], "admin_password": admin_password},
    )
    assert (kicked.status_code, kicked.json()["standing"]) == (200, "kicked")
    changed = api.http.patch(
        f"/admin/rooms/{room_id}/settings",
        json={"message_limit": 5, "admin_password": admin_password},
    )
    assert changed.json()["settings"]["message_limit"] == 5
    # The join password, as an admin password: refused, and nothing changed.
    as_admin = api.http.post(
        "/admin/delete_room", json={"room_id": room_id, "admin_password": PASSWORD}
    )
    assert_error(as_admin, 401, "bad_password")
    same = api.http.patch(
        f"/admin/rooms/{room_id}/settings",
        json={"password": admin_password, "admin_password": admin_password},
    )
    assert_error(same, 400, "invalid_password")
    gone = api.http.post(
        "/admin/delete_room", json={"room_id": room_id, "admin_password": admin_password}
    )
    assert gone.status_code == 200, gone.text


def test_a_signed_in_creator_administers_its_room_with_its_user_token(api: Api) -> None:
    user = _member_candidate(api)
    token = user["access_token"]
    room_id = "r_" + secrets.token_hex(6)
    made = api.http.post(
        "/room/create", json={"room_id": room_id, "password": PASSWORD}, headers=_bearer(token)
    )
    assert made.status_code == 201, made.text
    overview = _overview(api, room_id, token)
    assert overview.status_code == 200, overview.text
    assert overview.json()["created_by"] == user["user_id"]
    roles = {m["user_id"]: m["role"] for m in overview.json()["members"]}
    assert roles == {user["user_id"]: "admin"}
    # A room token is no way to create a room.
    refused = api.http.post(
        "/room/create",
        json={"room_id": "r_" + secrets.token_hex(6), "password": PASSWORD},
        headers=_bearer(made.json()["admin_token"]),
    )
    assert_error(refused, 403, "forbidden")
