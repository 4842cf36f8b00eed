"""The Quart runtime's coalescing WebSocket transport, on a real asyncio transport."""

from __future__ import annotations

import asyncio
import socket

from entrypoints.quart.outbox import CoalescingTransport


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
