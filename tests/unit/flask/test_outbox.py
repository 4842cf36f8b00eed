"""The Flask runtime's coalescing WebSocket writer, on real (gevent) socket pairs."""

from __future__ import annotations

import socket

import gevent
import gevent.socket
import pytest

from entrypoints.flask.outbox import Outbox, _drop_front


def _pair() -> tuple[gevent.socket.socket, socket.socket]:
    """(the server's end, a cooperative gevent socket; the peer's end, a plain one).

    The peer is read without blocking, so that looking never yields to gevent's hub."""
    left, peer = socket.socketpair()
    ours = gevent.socket.socket(left.family, left.type, fileno=left.detach())
    peer.setblocking(False)
    return ours, peer


def _nothing_waiting(sock: socket.socket) -> bool:
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    return False


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    """Read without blocking, letting gevent run between reads (the writer may need to)."""
    data = bytearray()
    with gevent.Timeout(10):
        while len(data) < size:
            try:
                chunk = sock.recv(min(1 << 20, size - len(data)))
            except BlockingIOError:
                gevent.sleep(0.001)
                continue
            assert chunk, "peer closed early"
            data += chunk
    return bytes(data)


def test_frames_of_one_turn_go_out_together_in_order() -> None:
    ours, peer = _pair()
    outbox = Outbox(ours)
    for frame in (b"one|", b"two|", b"three|"):
        assert outbox.send(frame) == len(frame)
    # Nothing reaches the kernel while this greenlet keeps running...
    assert _nothing_waiting(peer)
    assert outbox.pending() == len(b"one|two|three|")
    # ...and everything does, in order, once it yields to the hub.
    gevent.sleep(0)
    assert outbox.pending() == 0
    assert _read_exactly(peer, 14) == b"one|two|three|"
    ours.close()
    peer.close()


def test_a_full_kernel_buffer_is_finished_by_a_greenlet_and_order_holds() -> None:
    ours, peer = _pair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    outbox = Outbox(ours)
    big = bytes(range(256)) * 8192  # 2 MiB: far more than the socket takes at once
    outbox.send(big)
    gevent.sleep(0)
    assert outbox.pending() > 0  # the kernel took part; the rest waits for the reader
    outbox.send(b"after")  # queued behind the unfinished write, never interleaved
    received = _read_exactly(peer, len(big) + 5)
    assert received[: len(big)] == big
    assert received[len(big) :] == b"after"
    ours.close()
    peer.close()


def test_finish_writes_what_is_queued_before_close() -> None:
    ours, peer = _pair()
    outbox = Outbox(ours)
    outbox.send(b"close frame")
    outbox.close()  # no turn of the loop in between
    assert _read_exactly(peer, 11) == b"close frame"
    peer.setblocking(True)
    assert peer.recv(1) == b""  # then the connection ends
    peer.close()


def test_a_flush_never_writes_to_a_descriptor_reused_after_close() -> None:
    ours, peer = _pair()
    outbox = Outbox(ours)
    outbox.send(b"for the old connection")  # flush scheduled for the next turn
    number = ours.fileno()
    ours.close()  # closed behind the outbox's back (pywsgi closes its own socket)
    newcomer, newcomer_peer = _pair()
    # Linux hands out the lowest free number: the new connection now owns the old one.
    assert newcomer.fileno() == number
    gevent.sleep(0)
    assert outbox.pending() == 0
    assert _nothing_waiting(newcomer_peer)  # what is written to `number` would land here
    for sock in (peer, newcomer, newcomer_peer):
        sock.close()


def test_a_peer_that_went_away_drops_the_queue_without_raising() -> None:
    ours, peer = _pair()
    outbox = Outbox(ours)
    peer.close()
    outbox.send(b"nobody is listening")
    gevent.sleep(0)
    assert outbox.pending() == 0


@pytest.mark.parametrize(
    ("chunks", "sent", "rest"),
    [
        ([b"abc", b"de"], 0, [b"abc", b"de"]),
        ([b"abc", b"de"], 2, [b"c", b"de"]),
        ([b"abc", b"de"], 3, [b"de"]),
        ([b"abc", b"de"], 4, [b"e"]),
        ([b"abc", b"de"], 5, []),
    ],
)
def test_drop_front(chunks: list[bytes], sent: int, rest: list[bytes]) -> None:
    assert _drop_front(chunks, sent) == rest


def test_a_peer_that_stops_reading_is_cut_off_once_more_comes() -> None:
    ours, peer = _pair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    outbox = Outbox(ours, stall_limit_s=0.05)
    outbox.send(b"x" * (1 << 20))
    gevent.sleep(0)
    assert outbox.pending() > 0  # the kernel is full; a greenlet waits to write the rest
    outbox.send(b"within the limit")
    assert outbox.pending() > 0  # still queued: a short stall is normal
    gevent.sleep(0.1)
    outbox.send(b"past the limit")
    assert outbox.pending() == 0  # everything dropped...
    gevent.sleep(0)
    with pytest.raises(OSError):  # ...and the connection shut down both ways
        ours.send(b"more")
    ours.close()
    peer.close()
