"""A small client for the wire contract: httpx for REST, python-socketio for sockets."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import socketio

PASSWORD = "correct horse battery"  # noqa: S105 - test data


def new_room_id() -> str:
    return "r_" + secrets.token_hex(6)


@dataclass
class Room:
    room_id: str
    admin_token: str
    password: str = PASSWORD


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def create_room(self, room_id: str | None = None, password: str = PASSWORD) -> Room:
        room_id = room_id or new_room_id()
        response = self.http.post("/room/create", json={"room_id": room_id, "password": password})
        assert response.status_code == 201, response.text
        return Room(room_id, response.json()["admin_token"], password)

    def verify(self, room: Room, username: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"password": room.password}
        if username is not None:
            body["username"] = username
        response = self.http.post(f"/chat/{room.room_id}/verify", json=body)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def token(self, room: Room, username: str | None = None) -> str:
        return str(self.verify(room, username)["token"])

    def post(self, room_id: str, token: str | None, message: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers["Content-Type"] = "application/json"
        # ASCII-escaped JSON, so that even lone surrogates reach the server as JSON allows.
        body = json.dumps({"message": message}).encode("ascii")
        return self.http.post(f"/chat/{room_id}", content=body, headers=headers)

    def messages(self, room_id: str, token: str | None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.get(f"/chat/{room_id}/messages", params=params, headers=headers)

    def texts(self, room_id: str, token: str) -> list[str]:
        response = self.messages(room_id, token, limit=100)
        assert response.status_code == 200, response.text
        return [m["message"] for m in response.json()["messages"]]

    def socket(self, token: str) -> socketio.SimpleClient:
        client = socketio.SimpleClient()
        client.connect(
            self.base_url, auth={"token": token}, transports=["websocket"], wait_timeout=10
        )
        return client


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) == {"error", "code"}
    return body  # type: ignore[no-any-return]


def receive_until(client: socketio.SimpleClient, event: str, timeout: float = 5.0) -> Any:
    """The data of the next `event`, skipping others (e.g. status before a message)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {event!r} event within {timeout}s")
        name, *args = client.receive(timeout=remaining)
        if name == event:
            return args[0] if args else None
