"""Passwords, refresh tokens and message text never reach the logs, even at DEBUG; passwords
and refresh tokens never reach the database nor any response, on both runtimes. Every
secret-bearing route is exercised once, then the server's whole stderr and the SQLite file's
raw bytes are searched for each secret."""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.contract.client import Api
from tests.contract.harness import ServerProcess


def test_no_secret_reaches_the_logs_the_database_or_a_response(
    runtime: str, tmp_path: Path
) -> None:
    db = tmp_path / "chat.db"
    env = {"SECURECHAT_LOG_LEVEL": "DEBUG", "SECURECHAT_AUTO_MIGRATE": "1"}
    server = ServerProcess(runtime, tmp_path / "data", f"sqlite:///{db}", env).start()
    mark = secrets.token_hex(6)
    join_password = f"join-{mark}"
    admin_password = f"admin-{mark}"
    account_password = f"account-{mark}"
    new_password = f"renewed-{mark}"
    text = f"a message only the room reads {mark}"
    responses: list[bytes] = []
    refresh_tokens: list[str] = []
    try:
        api = Api(server.url)

        def call(method: str, path: str, **kwargs: object) -> dict[str, object]:
            response = api.http.request(method, path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code < 300, response.text
            responses.append(response.content)
            return response.json()  # type: ignore[no-any-return]

        room = f"r_{mark}"
        call(
            "POST",
            "/room/create",
            json={
                "room_id": room,
                "password": join_password,
                "admin_password": admin_password,
            },
        )
        guest = call("POST", f"/chat/{room}/verify", json={"password": join_password})
        call(
            "POST",
            f"/chat/{room}",
            json={"message": text},
            headers={"Authorization": f"Bearer {guest['token']}"},
        )
        user = call(
            "POST", "/auth/register", json={"username": f"u{mark}", "password": account_password}
        )
        refresh_tokens.append(str(user["refresh_token"]))
        bearer = {"Authorization": f"Bearer {user['access_token']}"}
        call("POST", f"/chat/{room}/join", json={"password": join_password}, headers=bearer)
        signed = call(
            "POST", "/auth/login", json={"username": f"u{mark}", "password": account_password}
        )
        refresh_tokens.append(str(signed["refresh_token"]))
        renewed = call("POST", "/auth/refresh", json={"refresh_token": signed["refresh_token"]})
        refresh_tokens.append(str(renewed["refresh_token"]))
        call(
            "PATCH",
            f"/admin/rooms/{room}/settings",
            json={"password": new_password, "admin_password": admin_password},
        )
        call("GET", f"/chat/{room}/messages", headers=bearer)
        call("POST", "/auth/logout", json={"refresh_token": renewed["refresh_token"]})
        api.close()
    finally:
        server.stop()
    logs = server.stderr_text()
    stored = db.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("chat.db-*") if p.is_file()
    )
    for secret in (join_password, admin_password, account_password, new_password):
        assert secret not in logs, f"a password reached the logs: {secret}"
        assert secret.encode() not in stored, f"a password reached the database: {secret}"
        assert all(secret.encode() not in body for body in responses)
    for token in refresh_tokens:
        assert token not in logs and token.encode() not in stored
    assert text not in logs and text.encode() not in stored
