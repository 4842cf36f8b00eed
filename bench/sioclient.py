"""A lean Socket.IO (Engine.IO v4, WebSocket transport) client for load generation.

Built on asyncio.Protocol with hand-rolled WebSocket framing so that one core can receive
well over 100k events per second: no JSON parsing of broadcasts (the send timestamp is
read straight out of the frame), and a zero masking key on client frames (legal, and it
makes masking a no-op).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
from collections.abc import Callable
from typing import Any, cast

MASK_ZERO = b"\x00\x00\x00\x00"
STAMP = b'"message":"t'  # a broadcast whose text starts with t<monotonic ns>


def frame(payload: bytes) -> bytes:
    """A masked (with a zero key) text frame."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    return header + MASK_ZERO + payload


PRESENCE_PACKETS = (b'42["status",', b'42["online_count",', b'42["presence')


class Stats:
    """Counters shared by many connections of one scenario."""

    __slots__ = (
        "received",
        "bytes_in",
        "presence_bytes",
        "latencies_ns",
        "acks_ok",
        "acks_error",
        "record",
    )

    def __init__(self) -> None:
        self.received = 0
        self.bytes_in = 0  # every byte the connections read (frames of every event)
        self.presence_bytes = 0  # ... of them, the packets of status, online_count, presence*
        self.latencies_ns: list[int] = []
        self.acks_ok = 0
        self.acks_error = 0
        self.record = True

    def reset(self) -> None:
        self.received = 0
        self.bytes_in = 0
        self.presence_bytes = 0
        self.latencies_ns = []
        self.acks_ok = 0
        self.acks_error = 0


class SioConnection(asyncio.Protocol):
    def __init__(self, host: str, port: int, token: str, stats: Stats) -> None:
        self._host, self._port, self._token = host, port, token
        self.stats = stats
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._handshaken = False
        self.connected = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self._ack_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.on_event: Callable[[bytes], None] | None = None

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transport is not a subclass of asyncio.Transport, but has its methods.
        self.transport = write = cast(asyncio.Transport, transport)
        key = base64.b64encode(os.urandom(16)).decode()
        write.write(
            (
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: {self._host}:{self._port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.connected.done():
            self.connected.set_exception(ConnectionError("connection lost"))
        if not self.closed.done():
            self.closed.set_result(True)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("connection lost"))

    def data_received(self, data: bytes) -> None:
        self.stats.bytes_in += len(data)
        buf = self._buf
        buf += data
        if not self._handshaken:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self._fail(f"upgrade refused: {bytes(buf[:80])!r}")
                return
            del buf[: end + 4]
            self._handshaken = True
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + n:
                break
            start = pos + head
            pos = start + n
            opcode = b0 & 0x0F
            if opcode == 1:
                self._packet(bytes(buf[start:pos]))
            elif opcode == 9:  # ping -> pong
                self._send_raw(0x8A, bytes(buf[start:pos]))
            elif opcode == 8:
                if self.transport:
                    self.transport.close()
                return
        if pos:
            del buf[:pos]

    # -- Engine.IO / Socket.IO
    def _packet(self, p: bytes) -> None:
        if p.startswith(b"42"):
            stats = self.stats
            if p.startswith(b'42["message",'):  # a delivery; not presence, typing, ...
                stats.received += 1
            elif p.startswith(PRESENCE_PACKETS):
                stats.presence_bytes += len(p)
            if stats.record:  # only messages carry a stamp
                i = p.find(STAMP)
                if i >= 0:
                    j = i + len(STAMP)
                    stats.latencies_ns.append(time.monotonic_ns() - int(p[j : j + 19]))
            if self.on_event is not None:
                self.on_event(p)
        elif p.startswith(b"43"):
            k = 2
            while p[k : k + 1].isdigit():
                k += 1
            future = self._pending.pop(int(p[2:k]), None) if k > 2 else None
            if future is not None and not future.done():
                future.set_result(json.loads(p[k:])[0])
            elif b'"ok":true' in p:
                self.stats.acks_ok += 1
            else:
                self.stats.acks_error += 1
        elif p == b"2":
            self.send(b"3")
        elif p.startswith(b"0{"):
            self.send(b"40" + json.dumps({"token": self._token}).encode())
        elif p.startswith(b"40"):
            if not self.connected.done():
                self.connected.set_result(True)
        elif p.startswith(b"44"):
            self._fail(f"connect refused: {p[2:].decode(errors='replace')}")

    def _fail(self, reason: str) -> None:
        if not self.connected.done():
            self.connected.set_exception(ConnectionError(reason))
        if self.transport:
            self.transport.close()

    def _send_raw(self, first: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(
                struct.pack("!BB", first, 0x80 | len(payload)) + MASK_ZERO + payload
            )

    def send(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(payload))

    def emit(self, event: str, data: dict[str, Any], counted_ack: bool = True) -> None:
        """Fire an event; its ack is only counted (ok / error) in the stats."""
        self._ack_id += 1
        body = json.dumps([event, data], separators=(",", ":")).encode()
        self.send(b"42" + (str(self._ack_id).encode() if counted_ack else b"") + body)

    async def call(self, event: str, data: dict[str, Any], timeout: float = 10) -> Any:
        self._ack_id += 1
        ack_id = self._ack_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ack_id] = future
        body = json.dumps([event, data], separators=(",", ":")).encode()
        self.send(b"42" + str(ack_id).encode() + body)
        return await asyncio.wait_for(future, timeout)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(
    host: str, port: int, token: str, stats: Stats, timeout: float = 30
) -> SioConnection:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(
        lambda: SioConnection(host, port, token, stats), host, port
    )
    await asyncio.wait_for(conn.connected, timeout)
    return conn


def stamped(text_bytes: int = 64) -> str:
    """A message text carrying its send time, padded to about `text_bytes`."""
    head = f"t{time.monotonic_ns():019d}"
    return head + "." * max(0, text_bytes - len(head))
