"""The audit log: a room's admins read who did what to it, from where and when
(`GET /admin/rooms/<room_id>/audit`); a kick and a ban show with who did them."""

from __future__ import annotations

import secrets
from typing import Any

from tests.contract.client import Api, assert_error


def _audit(api: Api, room_id: str, token: str, **params: Any) -> dict[str, Any]:
    response = api.http.get(
        f"/admin/rooms/{room_id}/audit",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _act(api: Api, room_id: str, token: str, action: str, user_id: str) -> None:
    done = api.http.post(
        f"/admin/rooms/{room_id}/{action}",
        json={"user_id": user_id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert done.status_code == 200, done.text


def test_a_kick_and_a_ban_show_with_who_did_them(api: Api) -> None:
    room = api.create_room()
    admin = api.verify(room)  # the creator's guest identity is the admin token's
    kicked, banned = api.verify(room), api.verify(room)
    _act(api, room.room_id, room.admin_token, "kick", kicked["user_id"])
    _act(api, room.room_id, room.admin_token, "ban", banned["user_id"])
    page = _audit(api, room.room_id, room.admin_token)
    assert page["room_id"] == room.room_id
    entries = page["entries"]
    assert [e["action"] for e in entries] == ["banned", "kicked", "room_created"]  # newest first
    ban, kick, created = entries
    assert (ban["target"], kick["target"]) == (banned["user_id"], kicked["user_id"])
    # Who: the room's creator, whose admin token it was; from where and when.
    assert ban["actor"] == kick["actor"] == created["actor"]
    assert ban["actor"] != admin["user_id"]  # a guest of the room is not its admin
    assert ban["address"] == "127.0.0.1" and ban["at"].endswith("Z")
    assert ban["id"] > kick["id"] > created["id"]


def test_it_pages_newest_first(api: Api) -> None:
    room = api.create_room()
    guests = [api.verify(room) for _ in range(3)]  # before a kick holds this address
    for guest in guests:
        _act(api, room.room_id, room.admin_token, "kick", guest["user_id"])
    first = _audit(api, room.room_id, room.admin_token, limit=2)
    assert [e["action"] for e in first["entries"]] == ["kicked", "kicked"]
    rest = _audit(api, room.room_id, room.admin_token, limit=2, before=first["next_before"])
    assert [e["action"] for e in rest["entries"]] == ["kicked", "room_created"]
    seen = [e["id"] for e in first["entries"] + rest["entries"]]
    assert len(set(seen)) == 4


def test_only_the_rooms_admins_read_it(api: Api) -> None:
    room = api.create_room()
    guest = api.token(room)
    headers = {"Authorization": f"Bearer {guest}"}
    assert_error(
        api.http.get(f"/admin/rooms/{room.room_id}/audit", headers=headers), 403, "admin_required"
    )
    assert_error(api.http.get(f"/admin/rooms/{room.room_id}/audit"), 401, "unauthorized")
    other = api.create_room()
    foreign = {"Authorization": f"Bearer {other.admin_token}"}
    assert_error(
        api.http.get(f"/admin/rooms/{room.room_id}/audit", headers=foreign), 403, "forbidden"
    )
    bad = api.http.get(
        f"/admin/rooms/{room.room_id}/audit",
        params={"limit": 0},
        headers={"Authorization": f"Bearer {room.admin_token}"},
    )
    assert_error(bad, 400, "invalid_limit")


def test_settings_history_and_address_changes_are_audited_without_secrets(api: Api) -> None:
    room = api.create_room()
    auth = {"Authorization": f"Bearer {room.admin_token}"}
    new_password = "fresh-" + secrets.token_hex(8)
    changed = api.http.patch(
        f"/admin/rooms/{room.room_id}/settings",
        json={"message_limit": 10, "password": new_password},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    cleared = api.http.post(f"/chat/{room.room_id}/clear", headers=auth)
    assert cleared.status_code == 200, cleared.text
    verified = api.http.post(
        "/admin/verify_ip", json={"room_id": room.room_id, "ip": "10.1.0.0/24"}, headers=auth
    )
    assert verified.status_code == 200, verified.text
    entries = _audit(api, room.room_id, room.admin_token)["entries"]
    actions = [e["action"] for e in entries]
    assert actions[:4] == ["ip_verified", "history_cleared", "password_changed", "settings_changed"]
    assert entries[0]["detail"] == "10.1.0.0/24"
    assert entries[3]["detail"] == "message_limit,password"
    assert new_password not in str(entries)


def test_a_wrong_room_password_is_a_failed_sign_in_its_admins_see(api: Api) -> None:
    room = api.create_room()
    wrong = api.http.post(f"/chat/{room.room_id}/verify", json={"password": "not it at all"})
    assert_error(wrong, 401, "bad_password")
    [failed, _] = _audit(api, room.room_id, room.admin_token)["entries"]
    assert (failed["action"], failed["actor"], failed["detail"]) == (
        "sign_in_failed",
        "-",
        "wrong room password",
    )
    assert failed["address"] == "127.0.0.1" and "not it at all" not in str(failed)
