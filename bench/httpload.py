"""Raw HTTP/1.1 keep-alive requests over asyncio streams: cheap enough not to be the bottleneck."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any


def request_bytes(
    method: str, path: str, host: str, body: Any = None, token: str | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class HttpConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def roundtrip(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        chunked = False
        for line in head.split(b"\r\n"):
            lower = line.lower()
            if lower.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
            elif lower.startswith(b"transfer-encoding:") and b"chunked" in lower:
                chunked = True
        if chunked:
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n"))[:-2], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
            return status, bytes(body)
        return status, await self.reader.readexactly(length) if length else b""

    def close(self) -> None:
        self.writer.close()


async def closed_loop(
    host: str, port: int, raw: bytes, connections: int, seconds: float, expect: int
) -> dict[str, Any]:
    """`connections` clients each sending `raw` back to back for `seconds`."""
    latencies: list[int] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors
        conn = await HttpConnection.open(host, port)
        try:
            while time.monotonic() < deadline:
                start = time.monotonic_ns()
                status, _ = await conn.roundtrip(raw)
                latencies.append(time.monotonic_ns() - start)
                if status != expect:
                    errors += 1
        finally:
            conn.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "elapsed": elapsed,
        "latencies": latencies,
        "errors": errors,
    }
