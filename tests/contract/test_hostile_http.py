"""Hostile clients at the protocol level: bounded heads, bounded bodies, one answer per refusal.

Driven byte by byte over plain sockets (httpx refuses to send most of this). Every refusal
is our JSON error with the same status on both runtimes; the server's memory stays bounded.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.contract.client import PASSWORD, Api, assert_error, new_room_id
from tests.contract.harness import ServerProcess

APP_ORIGIN = "http://app.example"
MAX_REQUEST_BYTES = 2048
MAX_HEAD_BYTES = 16384  # the default SECURECHAT_MAX_HEADER_BYTES
MAX_HEADER_COUNT = 100  # the default SECURECHAT_MAX_HEADER_COUNT
MIB = 1 << 20

# The one body of an Origin refusal, whichever runtime and transport.
ORIGIN_REFUSED = {"error": "this origin may not open a socket", "code": "origin_not_allowed"}
JSON_HEADERS = {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


@pytest.fixture(scope="module")
def edge(runtime: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {
        "SECURECHAT_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
        "SECURECHAT_MAX_MESSAGE_BYTES": "1024",
        "SECURECHAT_CORS_ORIGINS": APP_ORIGIN,
    }
    server = ServerProcess(runtime, tmp_path_factory.mktemp(f"edge-{runtime}"), "memory", env)
    server.start()
    yield server
    server.stop()
    stderr = server.stderr_text()
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _address(server: ServerProcess) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def _host(server: ServerProcess) -> str:
    return server.url.removeprefix("http://")


def _read_reply(sock: socket.socket) -> Reply | None:
    """One response, read by its framing; None when the server closed without one."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(status_line.split()[1])
        if "content-length" in headers:
            while len(body) < int(headers["content-length"]):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        elif headers.get("transfer-encoding") == "chunked":
            while not body.endswith(b"0\r\n\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        return Reply(status, headers, body)
    except ConnectionResetError:
        return None


def exchange(server: ServerProcess, *parts: bytes) -> Reply | None:
    """Send `parts` on a new connection; tolerate the server closing it early."""
    with socket.create_connection(_address(server), timeout=20) as sock:
        try:
            for part in parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _read_reply(sock)


def request(server: ServerProcess, target: str, *headers: str, method: str = "GET") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {_host(server)}", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def assert_refusal(reply: Reply | None, status: int, code: str) -> dict[str, Any]:
    assert reply is not None, "the server closed the connection without an answer"
    assert reply.status == status, (reply.status, reply.body[:200])
    for name, value in JSON_HEADERS.items():
        assert reply.headers.get(name, "").startswith(value), (name, reply.headers)
    body = reply.json()
    assert body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) == {"error", "code"}
    return body  # type: ignore[no-any-return]


def _padded_head(server: ServerProcess, size: int) -> bytes:
    """A GET whose request line and headers take exactly `size` bytes."""
    bare = request(server, "/chat/r_pad/messages", "X-Pad: ")
    pad = size - len(bare)
    assert pad > 0
    return request(server, "/chat/r_pad/messages", "X-Pad: " + "p" * pad)


# --- item 4: request line and headers are bounded -------------------------------------


def test_a_head_at_the_bound_is_served_and_one_byte_more_gets_431(edge: ServerProcess) -> None:
    at_bound = _padded_head(edge, MAX_HEAD_BYTES)
    assert len(at_bound) == MAX_HEAD_BYTES
    assert_refusal(exchange(edge, at_bound), 401, "unauthorized")
    over = _padded_head(edge, MAX_HEAD_BYTES + 1)
    assert_refusal(exchange(edge, over), 431, "headers_too_large")


def test_one_header_line_more_than_the_count_gets_431(edge: ServerProcess) -> None:
    # Host is one of the lines.
    enough = [f"X-N{i}: {i}" for i in range(MAX_HEADER_COUNT - 1)]
    assert_refusal(
        exchange(edge, request(edge, "/chat/r_x/messages", *enough)), 401, "unauthorized"
    )
    too_many = [*enough, "X-One-More: 1"]
    reply = exchange(edge, request(edge, "/chat/r_x/messages", *too_many))
    assert_refusal(reply, 431, "headers_too_large")


def test_a_long_request_line_gets_414(edge: ServerProcess) -> None:
    served = exchange(edge, request(edge, "/" + "a" * 8000))
    assert_refusal(served, 404, "not_found")
    reply = exchange(edge, request(edge, "/" + "a" * 10_000))
    assert_refusal(reply, 414, "request_line_too_long")
    endless = exchange(edge, b"GET /" + b"a" * (4 * MIB))
    assert endless is None or assert_refusal(endless, 414, "request_line_too_long")


def _vm_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class RssPeak:
    """The highest VmRSS of a process while the block runs, sampled every 5 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak_kib = max(self.peak_kib, _vm_kib(self.pid, "VmRSS"))

    def __enter__(self) -> RssPeak:
        self.peak_kib = _vm_kib(self.pid, "VmRSS")
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, _vm_kib(self.pid, "VmRSS"))


def test_huge_header_lines_are_refused_without_holding_them(edge: ServerProcess) -> None:
    """200 header lines of 1 MiB each: 431 or a closed connection, and RSS grows < 30 MiB."""
    before = _vm_kib(edge.pid, "VmRSS")
    value = b"v" * MIB
    reply: Reply | None = None
    with RssPeak(edge.pid) as rss, socket.create_connection(_address(edge), timeout=30) as sock:
        try:
            sock.sendall(request(edge, "/chat/r_x/messages").removesuffix(b"\r\n"))
            for i in range(200):
                sock.sendall(b"X-Pad-%d: " % i)
                sock.sendall(value)
                sock.sendall(b"\r\n")
            sock.sendall(b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped listening: what we want
        except TimeoutError:
            pytest.fail("the server stopped reading but kept the connection open")
        reply = _read_reply(sock)
    grown_mib = (rss.peak_kib - before) / 1024
    assert grown_mib < 30, f"the server's RSS grew by {grown_mib:.0f} MiB"
    assert reply is None or assert_refusal(reply, 431, "headers_too_large")
    # The server still serves.
    assert_refusal(exchange(edge, request(edge, "/chat/r_x/messages")), 401, "unauthorized")


def test_a_malformed_request_line_gets_400_json(edge: ServerProcess) -> None:
    reply = exchange(edge, b"THIS IS NOT HTTP AT ALL\r\n\r\n")
    assert_refusal(reply, 400, "bad_request")


# --- item 9: bodies over the limit are refused whatever the transfer encoding ----------


def _chunked(body: bytes, size: int = 500) -> bytes:
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def _chunked_create(server: ServerProcess, fields: dict[str, str]) -> Reply | None:
    head = request(
        server,
        "/room/create",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        method="POST",
    )
    return exchange(server, head, _chunked(json.dumps(fields).encode()))


def test_a_chunked_body_within_the_limit_is_served(edge: ServerProcess) -> None:
    room_id = new_room_id()
    reply = _chunked_create(edge, {"room_id": room_id, "password": PASSWORD})
    assert reply is not None and reply.status == 201, reply
    assert reply.json()["room_id"] == room_id


def test_a_chunked_body_over_the_limit_gets_413_and_stores_nothing(edge: ServerProcess) -> None:
    room_id = new_room_id()
    fields = {"room_id": room_id, "password": PASSWORD, "pad": "x" * (2 * MAX_REQUEST_BYTES)}
    assert_refusal(_chunked_create(edge, fields), 413, "payload_too_large")
    api = Api(edge.url)
    try:
        probe = api.http.post(f"/chat/{room_id}/verify", json={"password": PASSWORD})
        assert_error(probe, 404, "room_not_found")
    finally:
        api.close()


# --- item 10: one refusal on both runtimes; forwarded headers only from trusted proxies ---


def _polling(server: ServerProcess, *headers: str) -> bytes:
    return request(server, "/socket.io/?EIO=4&transport=polling", *headers)


def _upgrade(server: ServerProcess, *headers: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return request(
        server,
        "/socket.io/?EIO=4&transport=websocket",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *headers,
    )


def test_a_bad_origin_gets_one_403_json_on_polling_and_on_upgrade(edge: ServerProcess) -> None:
    evil = "Origin: http://evil.example"
    for handshake in (_polling(edge, evil), _upgrade(edge, evil)):
        reply = exchange(edge, handshake)
        assert_refusal(reply, 403, "origin_not_allowed")
        assert reply is not None and reply.json() == ORIGIN_REFUSED
        assert b"evil.example" not in reply.body
    # The same origin and a configured one still get in, both ways.
    for origin in (f"Origin: http://{_host(edge)}", f"Origin: {APP_ORIGIN}"):
        polled = exchange(edge, _polling(edge, origin))
        assert polled is not None and polled.status == 200, polled
        upgraded = exchange(edge, _upgrade(edge, origin))
        assert upgraded is not None and upgraded.status == 101, upgraded


def test_forwarded_proto_from_an_untrusted_peer_does_not_count(edge: ServerProcess) -> None:
    spoofed = ("X-Forwarded-Proto: https", f"Origin: https://{_host(edge)}")
    for handshake in (_polling(edge, *spoofed), _upgrade(edge, *spoofed)):
        reply = exchange(edge, handshake)
        assert_refusal(reply, 403, "origin_not_allowed")
        assert reply is not None and reply.json() == ORIGIN_REFUSED


def test_forwarded_proto_from_a_trusted_proxy_counts(runtime: str, tmp_path: Path) -> None:
    env = {"SECURECHAT_TRUSTED_PROXIES": "127.0.0.1"}
    server = ServerProcess(runtime, tmp_path, "memory", env).start()
    try:
        forwarded = ("X-Forwarded-Proto: https", f"Origin: https://{_host(server)}")
        polled = exchange(server, _polling(server, *forwarded))
        assert polled is not None and polled.status == 200, polled
        upgraded = exchange(server, _upgrade(server, *forwarded))
        assert upgraded is not None and upgraded.status == 101, upgraded
        # Behind a TLS proxy, the plain-http origin is not this server's.
        plain = exchange(
            server, _polling(server, "X-Forwarded-Proto: https", f"Origin: http://{_host(server)}")
        )
        assert_refusal(plain, 403, "origin_not_allowed")
    finally:
        server.stop()
    assert "Traceback" not in server.stderr_text()


def test_room_create_still_works_over_plain_http(edge: ServerProcess) -> None:
    api = Api(edge.url)
    try:
        room_id = new_room_id()
        response = api.http.post("/room/create", json={"room_id": room_id, "password": PASSWORD})
        assert response.status_code == 201, response.text
    finally:
        api.close()
