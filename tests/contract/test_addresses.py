"""Client addresses, on both runtimes and every storage: a room's IP policy (`allow`,
`require`), verified and pending addresses, bans that reach where a guest came from, and
forwarded headers that count only from a trusted proxy.

The servers of this module trust 127.0.0.1 as a proxy, so a test speaks for a client at any
address by sending `X-Forwarded-For`; the first test shows that without that trust the
header changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import socketio

from tests.contract.client import Api, Room, assert_error, receive_until
from tests.contract.harness import ServerProcess

ADMIN = "203.0.113.1"  # the admin's address in these tests
OFFICE = "198.51.100.0/24"


# conftest's server, trusting this machine as a proxy: X-Forwarded-For sets the client.
SERVER_ENV = {"SECURECHAT_TRUSTED_PROXIES": "127.0.0.1"}


def _from(address: str, token: str | None = None) -> dict[str, str]:
    headers = {"X-Forwarded-For": address}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _verify(api: Api, room: Room, address: str, password: str | None) -> httpx.Response:
    body = {} if password is None else {"password": password}
    return api.http.post(f"/chat/{room.room_id}/verify", json=body, headers=_from(address))


def _admin(api: Api, room: Room, path: str, body: object, method: str = "POST") -> Any:
    response = api.http.request(method, path, json=body, headers=_from(ADMIN, room.admin_token))
    assert response.status_code == 200, response.text
    return response.json()


def _policy(api: Api, room: Room, policy: str) -> Any:
    path = f"/admin/rooms/{room.room_id}/settings"
    return _admin(api, room, path, {"ip_policy": policy}, "PATCH")


def _verify_ip(api: Api, room: Room, ip: str) -> Any:
    return _admin(api, room, "/admin/verify_ip", {"room_id": room.room_id, "ip": ip})


def _socket(api: Api, token: str, address: str) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(
        api.base_url,
        auth={"token": token},
        headers={"X-Forwarded-For": address},
        transports=["websocket"],
        wait_timeout=10,
    )
    return client


def test_a_forwarded_header_from_an_untrusted_peer_changes_nothing(
    runtime: str, tmp_path: Path
) -> None:
    server = ServerProcess(runtime, tmp_path, "memory").start()  # trusts no proxy
    try:
        api = Api(server.url)
        room = api.create_room()
        headers = {"Authorization": f"Bearer {room.admin_token}"}
        made = api.http.post(
            "/admin/verify_ip", json={"room_id": room.room_id, "ip": OFFICE}, headers=headers
        )
        assert made.status_code == 200, made.text
        allowed = api.http.patch(
            f"/admin/rooms/{room.room_id}/settings", json={"ip_policy": "allow"}, headers=headers
        )
        assert allowed.status_code == 200, allowed.text
        # Claiming an office address: the peer (127.0.0.1) is who asks, and it is not verified.
        for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
            value = "for=198.51.100.7" if header == "Forwarded" else "198.51.100.7"
            spoofed = api.http.post(
                f"/chat/{room.room_id}/verify", json={}, headers={header: value}
            )
            assert_error(spoofed, 403, "ip_not_verified")
        overview = api.http.get(f"/admin/rooms/{room.room_id}", headers=headers).json()
        assert (overview["verified_ips"], overview["pending_ips"]) == ([OFFICE], [])
        api.close()
    finally:
        server.stop()


def test_allow_lets_verified_addresses_in_without_the_password(api: Api) -> None:
    room = api.create_room()
    _verify_ip(api, room, OFFICE)
    # `off`: the password is needed, even from the office.
    assert_error(_verify(api, room, "198.51.100.7", None), 401, "bad_password")
    assert _policy(api, room, "allow")["settings"]["ip_policy"] == "allow"
    got = _verify(api, room, "198.51.100.7", None)
    assert got.status_code == 200, got.text
    assert api.texts(room.room_id, got.json()["token"]) == []
    assert_error(_verify(api, room, "192.0.2.9", None), 403, "ip_not_verified")
    # The password works from anywhere under `allow`; a wrong one nowhere.
    assert _verify(api, room, "192.0.2.9", room.password).status_code == 200
    assert_error(_verify(api, room, "198.51.100.7", "not the password"), 401, "bad_password")


def test_require_is_a_second_factor_for_every_request_and_socket(api: Api) -> None:
    room = api.create_room()
    outside_token = _verify(api, room, "192.0.2.9", room.password).json()["token"]
    inside_token = _verify(api, room, "198.51.100.7", room.password).json()["token"]
    outside = _socket(api, outside_token, "192.0.2.9")
    inside = _socket(api, inside_token, "198.51.100.7")
    try:
        for client in (outside, inside):
            assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        # (The owner may switch from anywhere: `require` never shuts it out; a co-admin
        # must verify its own address first: test_ownership.py.)
        _verify_ip(api, room, f"{ADMIN}/32")
        _verify_ip(api, room, OFFICE)
        assert _policy(api, room, "require")["settings"]["ip_policy"] == "require"
        # The socket from an unverified address is told and taken out; the other stays.
        assert receive_until(outside, "ip_not_verified") == {
            "room": room.room_id,
            "reason": "ip_not_verified",
        }
        ack = outside.call("message", {"room": room.room_id, "message": "hi"}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "not_joined")
        ack = outside.call("join", {"room": room.room_id}, timeout=5)
        assert (ack["ok"], ack["code"]) == (False, "ip_not_verified")
        ack = inside.call("message", {"room": room.room_id, "message": "inside"}, timeout=5)
        assert ack["ok"] is True, ack
    finally:
        outside.disconnect()
        inside.disconnect()
    # Tokens included, over REST: the address decides, not the token.
    listed = api.http.get(
        f"/chat/{room.room_id}/messages", headers=_from("192.0.2.9", outside_token)
    )
    assert_error(listed, 403, "ip_not_verified")
    posted = api.http.post(
        f"/chat/{room.room_id}", json={"message": "x"}, headers=_from("192.0.2.9", inside_token)
    )
    assert_error(posted, 403, "ip_not_verified")
    # The right password from a new address: refused, twice, and pending for the admins.
    for _ in range(2):
        assert_error(_verify(api, room, "192.0.2.50", room.password), 403, "ip_not_verified")
    assert_error(_verify(api, room, "192.0.2.51", "a wrong one"), 401, "bad_password")
    overview = _admin(api, room, f"/admin/rooms/{room.room_id}", None, "GET")
    assert overview["pending_ips"] == ["192.0.2.50/32"]
    assert overview["verified_ips"] == [OFFICE, f"{ADMIN}/32"]
    # An admin verifies it: then it gets in.
    _verify_ip(api, room, "192.0.2.50")
    assert _verify(api, room, "192.0.2.50", room.password).status_code == 200
    history = api.http.get(
        f"/chat/{room.room_id}/messages", headers=_from("198.51.100.7", inside_token)
    )
    assert [m["message"] for m in history.json()["messages"]] == ["inside"]


def test_verify_ip_refuses_ranges_too_wide_and_the_owner_is_never_locked_out(
    api: Api,
) -> None:
    room = api.create_room()
    headers = _from(ADMIN, room.admin_token)
    for ip, code in (("10.0.0.0/8", "range_too_wide"), ("2001:db8::/32", "range_too_wide")):
        refused = api.http.post(
            "/admin/verify_ip", json={"room_id": room.room_id, "ip": ip}, headers=headers
        )
        assert_error(refused, 400, code)
    _verify_ip(api, room, f"{ADMIN}/32")
    _policy(api, room, "require")
    mine = api.http.post(
        "/admin/revoke_ip", json={"room_id": room.room_id, "ip": ADMIN}, headers=headers
    )
    # The owner may revoke its own: its credential works from any address.
    assert mine.status_code == 200, mine.text
    overview = _admin(api, room, f"/admin/rooms/{room.room_id}", None, "GET")
    assert overview["verified_ips"] == []


def test_a_ban_reaches_every_address_the_guest_used_and_no_other(api: Api) -> None:
    room = api.create_room()
    access = _verify(api, room, "198.51.100.7", room.password).json()
    # Its token is used from a second address, over a socket.
    client = _socket(api, access["token"], "2001:db8:1:2::99")
    try:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
    finally:
        client.disconnect()
    _admin(api, room, f"/admin/rooms/{room.room_id}/ban", {"user_id": access["user_id"]})
    for address in ("198.51.100.7", "2001:db8:1:2::1"):  # the same /64 counts
        assert_error(_verify(api, room, address, room.password), 403, "banned")
    assert _verify(api, room, "198.51.100.8", room.password).status_code == 200
    _admin(api, room, f"/admin/rooms/{room.room_id}/unban", {"user_id": access["user_id"]})
    assert _verify(api, room, "198.51.100.7", room.password).status_code == 200
