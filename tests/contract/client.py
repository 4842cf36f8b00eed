"""A small client for the wire contract: httpx for REST, python-socketio for sockets."""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import ssl
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


# One TLS context for every client of this process: httpx builds one per client otherwise
# (loading the CA bundle, ~40 ms of CPU), for servers the tests reach over plain HTTP.
TLS = ssl.create_default_context()


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10, verify=TLS)

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


def wait_disconnected(client: socketio.SimpleClient, seconds: float = 3.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    return not client.connected


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


class StalledReader:
    """A raw Socket.IO-over-WebSocket client that joins a room and then stops reading.

    A tiny receive buffer makes the server's side of the connection fill up soon."""

    def __init__(self, base_url: str, token: str, room_id: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(10)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self._buf = b""
        while b"\r\n\r\n" not in self._buf:
            self._buf += self.sock.recv(4096)
        head, _, self._buf = self._buf.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        assert self._text().startswith("0{")  # engine.io open
        self._send("40" + json.dumps({"token": token}))
        assert self._text().startswith("40{")  # socket.io connected
        self._send("420" + json.dumps(["join", {"room": room_id}]))
        while not (ack := self._text()).startswith("430"):
            pass  # presence events may come first
        assert json.loads(ack[3:])[0]["ok"] is True

    def _send(self, text: str) -> None:
        payload = text.encode()  # masked with a zero key, as a client must mask
        size = len(payload)
        head = bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0xFE]) + size.to_bytes(2)
        self.sock.sendall(head + b"\0\0\0\0" + payload)

    def _text(self) -> str:
        while True:
            while len(self._buf) < 2:
                self._buf += self.sock.recv(4096)
            size, start = self._buf[1] & 0x7F, 2
            if size == 126:
                size, start = int.from_bytes(self._buf[2:4], "big"), 4
            elif size == 127:
                size, start = int.from_bytes(self._buf[2:10], "big"), 10
            while len(self._buf) < start + size:
                self._buf += self.sock.recv(65536)
            opcode = self._buf[0] & 0x0F
            payload, self._buf = self._buf[start : start + size], self._buf[start + size :]
            if opcode == 0x1:
                return payload.decode()

    def close(self) -> None:
        self.sock.close()
