"""Races between a join and the connection's end: presence never counts a ghost.

Runs over every storage: the slower the join's room lookup, the wider the window in which
the transport may drop the connection while the join is still running.
"""

from __future__ import annotations

import socket
import struct
import time

from tests.contract.client import Api, receive_until
from tests.contract.harness import wait_until
from tests.contract.wire import RawSocketIO


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a client that vanishes does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_presence_counts_only_live_connections_after_join_disconnect_races(api: Api) -> None:
    room = api.create_room()
    tokens = [api.token(room, f"ghost{i}") for i in range(20)]
    for round_ in range(100):
        raw = RawSocketIO(api.base_url)
        raw.connect(tokens[round_ % len(tokens)])
        raw.emit("join", {"room": room.room_id})
        time.sleep(0.0005 * (round_ % 8))  # sweep the reset across the join's lifetime
        _reset(raw.sock)
    with api.socket(api.token(room, "newcomer")) as newcomer:

        def alone() -> bool:
            newcomer.call("leave", {"room": room.room_id}, timeout=5)
            newcomer.call("join", {"room": room.room_id}, timeout=5)
            return bool(receive_until(newcomer, "online_count")["count"] == 1)  # itself

        assert wait_until(alone, timeout=10, interval=0.2), "ghosts left in presence"
