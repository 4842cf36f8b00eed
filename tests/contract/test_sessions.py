"""Sessions that outlive a token, and removals always told: a guest's room token renewed
over REST (refused once the room no longer grants it), every way a socket is put out
reaching it first as one event with a `reason`, on every runtime and storage; and, with
short lifetimes, `token_expiring` then `renew` keeping a socket in its room past its first
token, and `session_ended` before the disconnect of one that was not renewed."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.contract.client import Api, assert_error, receive_until, wait_disconnected
from tests.contract.harness import ServerProcess

ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _renew(api: Api, room_id: str, token: str) -> httpx.Response:
    return api.http.post(f"/chat/{room_id}/renew", headers=_bearer(token))


def _joined(api: Api, token: str, room_id: str) -> socketio.SimpleClient:
    client = api.socket(token)
    ack = client.call("join", {"room": room_id}, timeout=5)
    assert ack["ok"] is True, ack
    return client


def _ended(client: socketio.SimpleClient, reason: str) -> None:
    """Told `session_ended` with `reason`, then disconnected: never silently."""
    assert receive_until(client, "session_ended") == {"reason": reason}
    assert wait_disconnected(client)


def _account(api: Api) -> dict[str, Any]:
    name = "u" + secrets.token_hex(5)
    body = {"username": name, "password": ACCOUNT_PASSWORD}
    registered = api.http.post("/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    return registered.json()  # type: ignore[no-any-return]


# -- REST renewal, every runtime and storage --------------------------------------------------


def test_a_guest_renews_its_room_token_and_goes_on_as_itself(api: Api) -> None:
    room = api.create_room()
    access = api.verify(room, username="stays")
    renewed = _renew(api, room.room_id, access["token"])
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert set(body) == {"token", "expires_in", "user_id", "username"}
    assert (body["user_id"], body["username"]) == (access["user_id"], "stays")
    assert body["expires_in"] >= access["expires_in"] - 1
    posted = api.post(room.room_id, body["token"], "from the renewed token")
    assert posted.status_code == 201, posted.text
    [message] = api.messages(room.room_id, room.admin_token).json()["messages"]
    assert message["user_id"] == access["user_id"]  # one identity, not a new guest


def test_renewal_is_refused_after_a_kick_a_ban_a_new_password_or_the_rooms_deletion(
    api: Api,
) -> None:
    room = api.create_room()
    admin = _bearer(room.admin_token)
    # Every guest first: a kick or a ban also bars their (loopback) address from verifying.
    kicked, banned, stale = api.verify(room), api.verify(room), api.token(room)
    for guest, action, code in ((kicked, "kick", "kicked"), (banned, "ban", "banned")):
        target = {"user_id": guest["user_id"]}
        done = api.http.post(f"/admin/rooms/{room.room_id}/{action}", json=target, headers=admin)
        assert done.status_code == 200, done.text
        assert_error(_renew(api, room.room_id, guest["token"]), 403, code)
    changed = api.http.patch(
        f"/admin/rooms/{room.room_id}/settings", json={"password": "a brand new one"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert_error(_renew(api, room.room_id, stale), 401, "unauthorized")
    other = api.create_room()
    last = api.token(other)
    deleted = api.http.post(
        "/admin/delete_room", json={"room_id": other.room_id}, headers=_bearer(other.admin_token)
    )
    assert deleted.status_code == 200, deleted.text
    assert_error(_renew(api, other.room_id, last), 401, "unauthorized")
    # Nor for another room's token, a user token, or nothing.
    assert_error(_renew(api, room.room_id, api.token(api.create_room())), 403, "forbidden")
    assert_error(_renew(api, room.room_id, _account(api)["access_token"]), 403, "forbidden")
    assert_error(api.http.post(f"/chat/{room.room_id}/renew"), 401, "unauthorized")


# -- every removal is told first, with its reason -----------------------------------------------


def test_kicked_banned_and_room_deleted_reach_the_socket_with_their_reason(api: Api) -> None:
    room = api.create_room()
    admin = _bearer(room.admin_token)
    # Every guest first: a kick or a ban also bars their (loopback) address from verifying.
    kicked, banned, last = api.verify(room), api.verify(room), api.token(room)
    for guest, action, event in ((kicked, "kick", "kicked"), (banned, "ban", "banned")):
        client = _joined(api, guest["token"], room.room_id)
        try:
            target = {"user_id": guest["user_id"]}
            api.http.post(f"/admin/rooms/{room.room_id}/{action}", json=target, headers=admin)
            assert receive_until(client, event) == {"room": room.room_id, "reason": event}
        finally:
            client.disconnect()
    client = _joined(api, last, room.room_id)
    try:
        api.http.post("/admin/delete_room", json={"room_id": room.room_id}, headers=admin)
        told = receive_until(client, "room_deleted")
        assert told == {"room": room.room_id, "reason": "room_deleted"}
    finally:
        client.disconnect()


def test_a_new_password_or_a_rotated_admin_token_ends_sockets_with_their_reason(
    api: Api,
) -> None:
    room = api.create_room()
    guest = _joined(api, api.token(room), room.room_id)
    old_admin = _joined(api, room.admin_token, room.room_id)
    admin = _bearer(room.admin_token)
    changed = api.http.patch(
        f"/admin/rooms/{room.room_id}/settings", json={"password": "a brand new one"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    _ended(guest, "room_password_changed")
    assert old_admin.connected  # an admin token never depended on the join password
    rotated = api.http.post(f"/admin/rooms/{room.room_id}/admin_token", headers=admin)
    assert rotated.status_code == 200, rotated.text
    _ended(old_admin, "admin_token_rotated")


def test_logging_out_or_replaying_a_refresh_token_ends_sockets_with_their_reason(
    api: Api,
) -> None:
    first, second = _account(api), _account(api)
    socket_one, socket_two = api.socket(first["access_token"]), api.socket(second["access_token"])
    out = api.http.post("/auth/logout", json={"refresh_token": first["refresh_token"]})
    assert out.status_code == 200, out.text
    _ended(socket_one, "logged_out")
    rotated = api.http.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    replayed = api.http.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert_error(replayed, 401, "invalid_refresh_token")
    _ended(socket_two, "refresh_token_reused")


# -- short lifetimes: warned, renewed, ended ----------------------------------------------------

TTL_S = 4
WARNING_S = 2
SESSION_S = 30


@pytest.fixture(scope="module")
def brief(runtime: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A server whose guest tokens last TTL_S, warned WARNING_S before, in sessions of
    SESSION_S (memory: the sweep and renewals do not depend on storage)."""
    env = {
        "SECURECHAT_ROOM_TOKEN_TTL": str(TTL_S),
        "SECURECHAT_TOKEN_WARNING_SECONDS": str(WARNING_S),
        "SECURECHAT_GUEST_SESSION_TTL": str(SESSION_S),
    }
    data_dir: Path = tmp_path_factory.mktemp(f"brief-{runtime}")
    process = ServerProcess(runtime, data_dir, "memory", env).start()
    client = Api(process.url)
    yield client
    client.close()
    process.stop()
    stderr = process.stderr_text()
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


def test_token_expiring_then_renew_keeps_a_socket_in_its_room_past_its_first_token(
    brief: Api,
) -> None:
    api = brief
    room = api.create_room()
    watcher = _joined(api, room.admin_token, room.room_id)
    access = api.verify(room, username="long")
    started = time.monotonic()
    client = _joined(api, access["token"], room.room_id)
    try:
        warned = receive_until(client, "token_expiring", timeout=TTL_S + 2)
        assert 0 < warned["expires_in"] <= WARNING_S
        renewed = _renew(api, room.room_id, access["token"])
        assert renewed.status_code == 200, renewed.text
        ack = client.call("renew", {"token": renewed.json()["token"]}, timeout=5)
        assert ack["ok"] is True and ack["expires_in"] > 0, ack
        # Past the first token's end (every send re-checks the claims), still in the room:
        # it sends, and the room hears it. (The renewed one ends over a second later.)
        time.sleep(max(0.0, started + TTL_S + 0.3 - time.monotonic()))
        assert client.connected
        sent = client.call("message", {"room": room.room_id, "message": "still here"}, timeout=5)
        assert sent["ok"] is True, sent
        assert receive_until(watcher, "message")["message"] == "still here"
        # Not renewed again: warned again, then told, then disconnected.
        _ended(client, "token_expired")
    finally:
        client.disconnect()
        watcher.disconnect()


def test_a_socket_not_renewed_is_warned_then_told_its_session_ended_then_disconnected(
    brief: Api,
) -> None:
    api = brief
    room = api.create_room()
    client = _joined(api, api.token(room), room.room_id)
    try:
        warned = receive_until(client, "token_expiring", timeout=TTL_S + 2)
        assert 0 < warned["expires_in"] <= WARNING_S
        assert receive_until(client, "session_ended", timeout=WARNING_S + 3) == {
            "reason": "token_expired"
        }
        assert wait_disconnected(client)
    finally:
        client.disconnect()


def test_past_the_guest_session_a_valid_token_is_not_renewed(runtime: str, tmp_path: Path) -> None:
    env = {"SECURECHAT_ROOM_TOKEN_TTL": "60", "SECURECHAT_GUEST_SESSION_TTL": "1"}
    process = ServerProcess(runtime, tmp_path, "memory", env).start()
    try:
        api = Api(process.url)
        room = api.create_room()
        token = api.token(room)
        time.sleep(1.2)
        assert_error(_renew(api, room.room_id, token), 401, "session_expired")
        assert api.messages(room.room_id, token).status_code == 200  # the token itself lives
        api.close()
    finally:
        process.stop()
    assert "Traceback" not in process.stderr_text()
