"""Configuration that changes behaviour on the wire: origins, key rotation, size bounds.

Each test starts its own servers with the environment under test.
"""

from __future__ import annotations

import time
from pathlib import Path

import socketio
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.contract.client import Api, StalledReader, assert_error
from tests.contract.harness import ServerProcess

APP_ORIGIN = "http://app.example"


def test_configured_origins_are_granted_and_others_are_not(runtime: str, tmp_path: Path) -> None:
    env = {"SECURECHAT_CORS_ORIGINS": f"{APP_ORIGIN}, http://other.example"}
    server = ServerProcess(runtime, tmp_path, "memory", env).start()
    try:
        api = Api(server.url)
        preflight = api.http.options(
            "/room/create",
            headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
        allowed = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
        # Every method of the route table, so that a configured origin can use them all.
        assert allowed == {"GET", "POST", "PUT", "PATCH", "DELETE"}
        assert "Authorization" in preflight.headers["access-control-allow-headers"]
        room = api.create_room()
        response = api.http.get(
            f"/chat/{room.room_id}/messages",
            headers={"Origin": APP_ORIGIN, "Authorization": f"Bearer {room.admin_token}"},
        )
        assert response.headers["access-control-allow-origin"] == APP_ORIGIN
        evil = api.http.options("/room/create", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in evil.headers

        client = socketio.SimpleClient()
        client.connect(
            server.url,
            auth={"token": room.admin_token},
            headers={"Origin": APP_ORIGIN},
            transports=["polling"],  # websocket-client would add a second Origin header
            wait_timeout=5,
        )
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        client.disconnect()
        api.close()
    finally:
        server.stop()


def test_message_bound_follows_configuration(runtime: str, tmp_path: Path) -> None:
    env = {"SECURECHAT_MAX_MESSAGE_BYTES": "100"}
    server = ServerProcess(runtime, tmp_path, "memory", env).start()
    try:
        api = Api(server.url)
        room = api.create_room()
        assert api.post(room.room_id, room.admin_token, "x" * 100).status_code == 201
        assert_error(api.post(room.room_id, room.admin_token, "x" * 101), 400, "message_too_long")
        assert api.texts(room.room_id, room.admin_token) == ["x" * 100]
        api.close()
    finally:
        server.stop()


def test_encryption_keys_rotate_by_prepending(runtime: str, tmp_path: Path) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    database = f"sqlite:///{tmp_path / 'chat.db'}"
    base_env = {"SECURECHAT_AUTO_MIGRATE": "true"}

    first = ServerProcess(
        runtime, tmp_path, database, {**base_env, "SECURECHAT_ENCRYPTION_KEYS": old_key}
    ).start()
    try:
        api = Api(first.url)
        room = api.create_room()
        api.post(room.room_id, room.admin_token, "under the old key")
        api.close()
    finally:
        first.stop()

    rotated = f"{new_key},{old_key}"
    second = ServerProcess(
        runtime, tmp_path, database, {**base_env, "SECURECHAT_ENCRYPTION_KEYS": rotated}
    ).start()
    try:
        api = Api(second.url)
        api.post(room.room_id, room.admin_token, "under the new key")
        assert api.texts(room.room_id, room.admin_token) == [
            "under the old key",
            "under the new key",
        ]
        api.close()
    finally:
        second.stop()

    engine = create_engine(database)
    with engine.connect() as conn:
        rows = [
            bytes(r[0]) for r in conn.execute(text("SELECT ciphertext FROM messages ORDER BY id"))
        ]
    engine.dispose()
    assert Fernet(old_key.encode()).decrypt(rows[0]) == b"under the old key"
    assert Fernet(new_key.encode()).decrypt(rows[1]) == b"under the new key"


def test_a_malformed_encryption_key_stops_the_server_with_a_clear_error(
    runtime: str, tmp_path: Path
) -> None:
    from tests.contract.harness import run_cli

    code, output = run_cli(
        ["serve", "--runtime", runtime, "--port", "0", "--data-dir", str(tmp_path)],
        env={"SECURECHAT_ENCRYPTION_KEYS": "not-a-fernet-key"},
    )
    assert code == 2
    assert "SECURECHAT_ENCRYPTION_KEYS" in output and "Traceback" not in output
    assert "not-a-fernet-key" not in output  # secrets never echoed


def test_a_socket_is_dropped_when_its_token_expires(runtime: str, tmp_path: Path) -> None:
    server = ServerProcess(runtime, tmp_path, "memory", {"SECURECHAT_ROOM_TOKEN_TTL": "2"}).start()
    try:
        api = Api(server.url)
        room = api.create_room()
        watcher = api.socket(room.admin_token)  # 30 days: stays
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        access = api.verify(room, username="brief")
        assert access["expires_in"] == 2
        brief = api.socket(access["token"])
        assert brief.call("join", {"room": room.room_id}, timeout=5)["ok"] is True

        deadline = time.monotonic() + 10
        while brief.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not brief.connected  # the server ended it; nothing more reaches it

        # The room saw it leave, as on any disconnect.
        seen = []
        while not any(e[0] == "status" and e[1]["event"] == "leave" for e in seen):
            seen.append(watcher.receive(timeout=5))
        leave = next(e[1] for e in seen if e[0] == "status" and e[1]["event"] == "leave")
        assert leave["user_id"] == access["user_id"]
        # A fresh token still connects: expiry is per token, not per room or address.
        fresh = api.socket(api.token(room))
        assert fresh.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for client in (watcher, fresh):
            client.disconnect()
        api.close()
    finally:
        server.stop()


def test_a_client_that_stops_reading_is_cut_off(runtime: str, tmp_path: Path) -> None:
    env = {"SECURECHAT_SLOW_CLIENT_TIMEOUT": "1"}
    server = ServerProcess(runtime, tmp_path, "memory", env).start()
    try:
        api = Api(server.url)
        room = api.create_room()
        watcher = api.socket(room.admin_token)
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        access = api.verify(room, username="stuck")
        stuck = StalledReader(server.url, access["token"], room.room_id)
        token, text = api.token(room), "x" * 8000

        # Broadcast until the server gives up on the reader that takes nothing: the room
        # sees it leave. Everyone else is served all along. (Within 20 s: engine.io's own
        # ping timeout would only drop it after 45 s.)
        deadline, left = time.monotonic() + 20, False
        while not left and time.monotonic() < deadline:
            for _ in range(100):
                assert api.post(room.room_id, token, text).status_code == 201
            while True:
                try:
                    event = watcher.receive(timeout=0.05)
                except socketio.exceptions.TimeoutError:
                    break
                if event[0] == "status" and event[1]["event"] == "leave":
                    assert event[1]["user_id"] == access["user_id"]
                    left = True
            time.sleep(0.2)
        assert left, "the stalled client was never cut off"
        assert api.post(room.room_id, token, "still fine").status_code == 201
        stuck.close()
        watcher.disconnect()
        api.close()
    finally:
        server.stop()


def test_a_kick_lasts_as_configured(runtime: str, tmp_path: Path) -> None:
    server = ServerProcess(runtime, tmp_path, "memory", {"SECURECHAT_KICK_SECONDS": "1"}).start()
    try:
        api = Api(server.url)
        room = api.create_room()
        guest = api.verify(room)
        kicked = api.http.post(
            f"/admin/rooms/{room.room_id}/kick",
            json={"user_id": guest["user_id"]},
            headers={"Authorization": f"Bearer {room.admin_token}"},
        )
        assert kicked.status_code == 200, kicked.text
        assert_error(api.messages(room.room_id, guest["token"]), 403, "kicked")
        deadline = time.monotonic() + 5
        while api.messages(room.room_id, guest["token"]).status_code != 200:
            assert time.monotonic() < deadline, "the kick did not end"
            time.sleep(0.1)
        api.close()
    finally:
        server.stop()
