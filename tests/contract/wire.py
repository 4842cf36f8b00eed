"""A byte-level Engine.IO / Socket.IO client: it sends what a hostile client would.

Client libraries only send well-formed packets. Here frames are built by hand (any opcode,
RSV bits, declared length), packets are raw text, and long-polling is plain HTTP over a
socket, so tests can send reserved event names, announced attachments, oversized or
compressed frames, and malformed packets.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

# Request headers: a mapping, or (name, value) lines in order, names repeated as a test likes.
HeaderLines = Mapping[str, str] | Sequence[tuple[str, str]]

OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The server closed the connection; `code` is its close code, if it sent one."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed by the server (code {code})")
        self.code = code


def _address(base_url: str) -> tuple[str, int]:
    host, port = base_url.removeprefix("http://").split(":")
    return host, int(port)


def _lines(headers: HeaderLines | None) -> list[str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    return [f"{name}: {value}" for name, value in pairs]


def http_request(
    base_url: str,
    method: str,
    target: str,
    body: bytes = b"",
    headers: HeaderLines | None = None,
    content_type: str = "text/plain;charset=UTF-8",
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on its own connection, its header lines exactly as given; the
    status and the (de-chunked) body."""
    host, port = _address(base_url)
    with socket.create_connection((host, port), timeout=30) as sock:
        head = [
            f"{method} {target} HTTP/1.1",
            f"Host: {host}:{port}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *_lines(headers),
        ]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_bytes, _, payload = data.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head_bytes.lower():
        payload = _dechunk(payload)
    return status, payload


class RawWebSocket:
    """One WebSocket connection to /socket.io/, frames in and out by hand."""

    def __init__(self, base_url: str, headers: HeaderLines | None = None) -> None:
        host, port = _address(base_url)
        self.sock = socket.create_connection((host, port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *_lines(headers),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._buf = b""
        while b"\r\n\r\n" not in self._buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed(None)
            self._buf += chunk
        head, _, self._buf = self._buf.partition(b"\r\n\r\n")
        self.response_head = head.decode("latin-1")
        assert head.startswith(b"HTTP/1.1 101"), head

    # -- frames ----------------------------------------------------------------------

    def send_frame(
        self,
        payload: bytes,
        opcode: int = OP_TEXT,
        *,
        fin: bool = True,
        rsv1: bool = False,
        declared: int | None = None,
    ) -> None:
        """One masked frame; `declared` claims another payload length than sent."""
        length = len(payload) if declared is None else declared
        first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
        if length < 126:
            head = bytes([first, 0x80 | length])
        elif length < 1 << 16:
            head = bytes([first, 0x80 | 126]) + length.to_bytes(2, "big")
        else:
            head = bytes([first, 0x80 | 127]) + length.to_bytes(8, "big")
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text: str) -> None:
        self.send_frame(text.encode("utf-8", "surrogatepass"))  # lone surrogates too

    def recv_frame(self, timeout: float = 5.0) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout
        while True:
            frame = self._parse()
            if frame is not None:
                return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no frame")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed(None)
            self._buf += chunk

    def _parse(self) -> tuple[int, bytes] | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        size, start = buf[1] & 0x7F, 2
        if size == 126:
            if len(buf) < 4:
                return None
            size, start = int.from_bytes(buf[2:4], "big"), 4
        elif size == 127:
            if len(buf) < 10:
                return None
            size, start = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < start + size:
            return None
        self._buf = buf[start + size :]
        return buf[0] & 0x0F, buf[start : start + size]

    def recv_text(self, timeout: float = 5.0) -> str:
        """The next text message; answers pings; Closed when the server closes."""
        while True:
            opcode, payload = self.recv_frame(timeout)
            if opcode == OP_TEXT:
                text = payload.decode()
                if text == "2":  # engine.io ping
                    self.send_text("3")
                    continue
                return text
            if opcode == OP_CLOSE:
                raise Closed(int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None)
            if opcode == OP_PING:
                self.send_frame(payload, OP_PONG)

    def wait_closed(self, timeout: float = 10.0) -> int | None:
        """Read until the server closes; its close code (None: closed without one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.recv_text(timeout=deadline - time.monotonic())
            except Closed as closed:
                return closed.code
            except OSError:
                return None
        raise TimeoutError("the server did not close the connection")

    def close(self) -> None:
        self.sock.close()


class RawSocketIO(RawWebSocket):
    """Socket.IO over a RawWebSocket: packets are written as text by the test."""

    def __init__(self, base_url: str, headers: HeaderLines | None = None) -> None:
        super().__init__(base_url, headers)
        opened = self.recv_text()
        assert opened.startswith("0{"), opened
        self.eio_sid = json.loads(opened[1:])["sid"]

    def connect(self, token: str) -> None:
        self.send_text("40" + json.dumps({"token": token}))
        reply = self.recv_text()
        assert reply.startswith("40{"), reply

    def emit(self, event: str, *args: Any, ack: int | None = None) -> None:
        self.send_text(f"42{'' if ack is None else ack}{json.dumps([event, *args])}")

    def call(self, event: str, *args: Any, ack: int = 1, timeout: float = 5.0) -> list[Any]:
        """Emit with an ack id and return the ack's arguments (other packets skipped)."""
        self.emit(event, *args, ack=ack)
        return self.ack(ack, timeout)

    def ack(self, ack: int, timeout: float = 5.0) -> list[Any]:
        prefix = f"43{ack}"
        deadline = time.monotonic() + timeout
        while True:
            text = self.recv_text(timeout=max(0.01, deadline - time.monotonic()))
            if text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] == "[":
                return json.loads(text[len(prefix) :])  # type: ignore[no-any-return]

    def events(self, name: str, timeout: float) -> list[Any]:
        """Every `name` event's data received within `timeout` seconds."""
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                text = self.recv_text(timeout=remaining)
            except TimeoutError:
                break
            if text.startswith("42["):
                event, *args = json.loads(text[2:])
                if event == name:
                    out.append(args[0] if args else None)
        return out


class RawPolling:
    """Engine.IO long-polling as plain HTTP/1.1 requests, one connection per request; each
    carries `headers` too."""

    def __init__(self, base_url: str, headers: HeaderLines | None = None) -> None:
        self.base_url = base_url
        self.headers = headers
        status, body = self.request("GET", "/socket.io/?EIO=4&transport=polling")
        assert status == 200 and body.startswith(b"0{"), (status, body)
        self.sid = json.loads(body[1:])["sid"]

    def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        return http_request(self.base_url, method, target, body, self.headers)

    def post(self, *packets: str) -> int:
        body = "\x1e".join(packets).encode("utf-8", "surrogatepass")
        return self.request("POST", f"/socket.io/?EIO=4&transport=polling&sid={self.sid}", body)[0]

    def poll(self) -> tuple[int, list[str]]:
        status, body = self.request("GET", f"/socket.io/?EIO=4&transport=polling&sid={self.sid}")
        return status, body.decode(errors="replace").split("\x1e") if body else []


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


def rss_kib(pid: int) -> int:
    """Resident memory of a process, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")
