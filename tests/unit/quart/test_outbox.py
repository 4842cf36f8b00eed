"""The Quart runtime's coalescing transport, on real asyncio transports."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from entrypoints.quart.outbox import CoalescingHttpProtocol, CoalescingTransport, _coalescing


async def _transport() -> tuple[asyncio.Transport, CoalescingTransport, socket.socket]:
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    return transport, CoalescingTransport(transport, loop), peer  # type: ignore[return-value]


def _waiting(peer: socket.socket) -> bytes:
    try:
        return peer.recv(1 << 16)
    except BlockingIOError:
        return b""


async def _read(peer: socket.socket, size: int) -> bytes:
    data = b""
    async with asyncio.timeout(10):
        while len(data) < size:
            data += _waiting(peer)
            await asyncio.sleep(0.001)
    return data


def test_frames_of_one_turn_go_out_together_in_order() -> None:
    async def scenario() -> None:
        real, coalescing, peer = await _transport()
        for frame in (b"one|", b"two|", b"three|"):
            coalescing.write(frame)
        assert coalescing.pending() == 14
        assert _waiting(peer) == b""  # nothing written while this task runs
        await asyncio.sleep(0)
        assert coalescing.pending() == 0
        assert await _read(peer, 14) == b"one|two|three|"
        real.close()
        peer.close()

    asyncio.run(scenario())


def test_close_writes_what_is_queued_first() -> None:
    async def scenario() -> None:
        real, coalescing, peer = await _transport()
        coalescing.write(b"close frame")
        coalescing.close()  # no turn of the loop in between
        assert await _read(peer, 11) == b"close frame"
        assert real.is_closing()
        await asyncio.sleep(0.01)
        peer.setblocking(True)
        assert peer.recv(1) == b""
        peer.close()

    asyncio.run(scenario())


def test_a_closed_transport_drops_the_queue_without_raising() -> None:
    async def scenario() -> None:
        real, coalescing, peer = await _transport()
        coalescing.write(b"too late")
        real.close()  # closed behind its back
        await asyncio.sleep(0)
        assert coalescing.pending() == 0
        assert coalescing.is_closing()  # everything else is the real transport's
        peer.close()

    asyncio.run(scenario())


def test_an_upgraded_connection_keeps_its_coalescing_transport() -> None:
    async def scenario() -> None:
        real, coalescing, peer = await _transport()
        assert _coalescing(coalescing) is coalescing  # never two queues, two loop turns
        assert isinstance(_coalescing(real), CoalescingTransport)
        real.close()
        peer.close()

    asyncio.run(scenario())


def test_an_http_response_leaves_in_one_write() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        headers = [(b"content-length", b"19")]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"message_id": "x"}'})

    async def scenario() -> None:
        config = uvicorn.Config(app, http=CoalescingHttpProtocol, lifespan="off", ws="none")
        config.load()
        protocol = CoalescingHttpProtocol(config=config, server_state=ServerState(), app_state={})
        ours, peer = socket.socketpair()
        peer.setblocking(False)
        real, _ = await asyncio.get_running_loop().connect_accepted_socket(lambda: protocol, ours)
        writes: list[bytes] = []
        write = real.write

        def spy(data: bytes) -> None:  # the real transport, watched
            writes.append(bytes(data))
            write(data)

        real.write = spy  # type: ignore[method-assign]
        peer.send(b"POST /chat/r HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        received = b""
        async with asyncio.timeout(10):
            while not received.endswith(b'{"message_id": "x"}'):
                received += _waiting(peer)
                await asyncio.sleep(0.001)
        assert received.startswith(b"HTTP/1.1 201 ")
        assert writes == [received]
        real.close()
        peer.close()

    asyncio.run(scenario())
