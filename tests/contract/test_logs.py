"""Logs an operator can use: with SECURECHAT_LOG_FORMAT=json every line is one JSON object;
SECURECHAT_ACCESS_LOG=1 writes a line per request; each carries the request's id (a
trusted proxy's X-Request-Id, else made, and echoed in the response); and no line carries
a token, a password or a message's text."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from tests.contract.client import Api, assert_error
from tests.contract.harness import ServerProcess, wait_until

SERVER_ENV = {
    "SECURECHAT_LOG_FORMAT": "json",
    "SECURECHAT_ACCESS_LOG": "1",
    "SECURECHAT_LOG_LEVEL": "INFO",
    "SECURECHAT_TRUSTED_PROXIES": "127.0.0.1/32",
}


def lines(server: ServerProcess) -> list[dict[str, Any]]:
    """Every line the server logged, each parsed (a line that is not JSON fails here)."""
    return [json.loads(line) for line in server.stderr_text().splitlines() if line.strip()]


def access_lines(server: ServerProcess, request_id: str) -> list[dict[str, Any]]:
    return [
        line
        for line in lines(server)
        if line["logger"] == "securechat.access" and line["request_id"] == request_id
    ]


def test_a_trusted_proxys_request_id_is_kept_echoed_and_logged(
    api: Api, server: ServerProcess
) -> None:
    given = f"edge-{secrets.token_hex(6)}"
    response = api.http.get("/healthz", headers={"X-Request-Id": given})
    assert response.headers["X-Request-Id"] == given
    assert wait_until(lambda: access_lines(server, given), timeout=10)
    [line] = access_lines(server, given)
    assert (line["level"], line["method"], line["path"], line["status"]) == (
        "INFO",
        "GET",
        "/healthz",
        200,
    )
    assert line["client"] == "127.0.0.1" and line["duration_ms"] >= 0


def test_a_request_without_one_gets_a_new_id_on_its_lines(api: Api, server: ServerProcess) -> None:
    refused = api.http.get("/chat/no-such-room-here/messages")
    assert_error(refused, 401, "unauthorized")
    made = refused.headers["X-Request-Id"]
    assert len(made) == 16 and made != api.http.get("/healthz").headers["X-Request-Id"]
    assert wait_until(lambda: access_lines(server, made), timeout=10)
    [line] = access_lines(server, made)
    assert (line["path"], line["status"]) == ("/chat/<room_id>/messages", 401)


def test_a_forged_request_id_is_replaced(api: Api) -> None:
    """Not a safe token (a line break, a quote): made anew rather than written."""
    response = api.http.get("/healthz", headers={"X-Request-Id": 'a"b c'})
    assert response.headers["X-Request-Id"] != 'a"b c'


def test_no_line_carries_a_token_a_password_or_a_message(api: Api, server: ServerProcess) -> None:
    secret = secrets.token_hex(8)
    room_password = f"room-pw-{secret}"
    account_password = f"account-pw-{secret}"
    texts = [f"rest-text-{secret}", f"socket-text-{secret}"]
    room = api.create_room(password=room_password)
    made = api.http.post(
        "/auth/register", json={"username": f"u{secret}", "password": account_password}
    )
    assert made.status_code == 201, made.text
    account = made.json()
    logged_in = api.http.post(
        "/auth/login", json={"username": f"u{secret}", "password": account_password}
    ).json()
    wrong = api.http.post("/auth/login", json={"username": f"u{secret}", "password": "x" + secret})
    assert wrong.status_code == 401
    bad_room = api.http.post(f"/chat/{room.room_id}/verify", json={"password": "y" + secret})
    assert bad_room.status_code == 401
    token = api.token(room)
    assert api.post(room.room_id, token, texts[0]).status_code == 201
    assert api.post(room.room_id, token + "z", "refused " + secret).status_code == 401
    client = api.socket(token)
    try:
        assert client.call("join", {"room": room.room_id}, timeout=10)["ok"] is True
        assert client.call("message", {"room": room.room_id, "message": texts[1]}, timeout=10)["ok"]
    finally:
        client.disconnect()
    refreshed = api.http.post("/auth/refresh", json={"refresh_token": logged_in["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    out = api.http.post(
        "/auth/logout",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
        json={"refresh_token": refreshed.json()["refresh_token"]},
    )
    assert out.status_code < 300, out.text
    assert wait_until(lambda: secret in server.stderr_text() or len(lines(server)) > 10, timeout=10)
    log = server.stderr_text()
    assert log, "the server logged nothing: the test would prove nothing"
    for value in (
        secret,
        room.admin_token,
        token,
        account["access_token"],
        account["refresh_token"],
        logged_in["access_token"],
        logged_in["refresh_token"],
        refreshed.json()["access_token"],
    ):
        assert value not in log, value
    lines(server)  # and every line is JSON


def test_untrusted_peers_cannot_choose_the_request_id(runtime: str, tmp_path: Path) -> None:
    env = {"SECURECHAT_LOG_FORMAT": "json", "SECURECHAT_ACCESS_LOG": "1"}
    server = ServerProcess(runtime, tmp_path / "data", "memory", env).start()
    api = Api(server.url)
    try:
        response = api.http.get("/healthz", headers={"X-Request-Id": "chosen-by-a-client"})
        assert response.status_code == 200
        assert response.headers["X-Request-Id"] != "chosen-by-a-client"
    finally:
        api.close()
        server.stop()
    assert "chosen-by-a-client" not in server.stderr_text()
