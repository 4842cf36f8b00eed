"""An event that waits for its connection's running event never stalls anyone else's.

On Quart, `message` and `typing` run inline on the event loop. A connection's events are
ordered by its lock, which its `join` holds in a password thread while argon2 hashes: the
loop must not wait for it there (SocketProtocol.run gives such an event to a worker), or
every connection's events stall behind one user's password. Hashes are made slow on
purpose; another connection's round trip is measured during the join against a bound far
below the hash's time, and the waiting `message` still comes after its `join`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

import pytest

from tests.contract.client import Api
from tests.contract.wire import RawSocketIO

# About a second per hash (20 ms at the default cost of 2).
SERVER_ENV = {"SECURECHAT_ARGON2_TIME_COST": "60", "SECURECHAT_HASH_THREADS": "2"}


@pytest.fixture(scope="module", params=["memory"])
def storage(request: pytest.FixtureRequest) -> str:
    """Memory only: the stall is the loop's, whatever the storage."""
    return str(request.param)


def _acks(raw: RawSocketIO, into: dict[int, tuple[float, Any]], until: int) -> None:
    """Read `raw` until ack `until` has come, noting when each ack arrived."""
    while until not in into:
        text = raw.recv_text(timeout=30)
        if text.startswith("43"):
            digits = text[2:].split("[", 1)[0]
            into[int(digits)] = (time.monotonic(), json.loads(text[2 + len(digits) :])[0])


def test_a_message_waiting_for_its_join_does_not_stall_other_connections(api: Api) -> None:
    room = api.create_room()
    name = "user_" + secrets.token_hex(4)
    account = {"username": name, "password": "a long enough password"}
    user = api.http.post("/auth/register", json=account, timeout=30)
    assert user.status_code == 201, user.text
    other = RawSocketIO(api.base_url)
    other.connect(api.token(room, "bystander"))
    assert other.call("join", {"room": room.room_id}, timeout=10)[0]["ok"] is True
    joiner = RawSocketIO(api.base_url)
    joiner.connect(user.json()["access_token"])
    acks: dict[int, tuple[float, Any]] = {}
    reader = threading.Thread(target=_acks, args=(joiner, acks, 2))
    try:
        started = time.monotonic()
        joiner.emit("join", {"room": room.room_id, "password": room.password}, ack=1)
        time.sleep(0.1)  # the join holds its connection and hashes the password
        joiner.emit("message", {"room": room.room_id, "message": "after my join"}, ack=2)
        reader.start()
        time.sleep(0.1)  # the message waits for the join
        sent = time.monotonic()
        ack = other.call("typing", {"room": room.room_id, "is_typing": True}, ack=7, timeout=30)
        round_trip = time.monotonic() - sent
        reader.join(30)
    finally:
        joiner.close()
        other.close()
    assert ack[0]["ok"] is True, ack
    (joined_at, joined), (message_at, message) = acks[1], acks[2]
    assert joined["ok"] is True and message["ok"] is True, (joined, message)
    assert message_at >= joined_at, "the message was answered before the join it followed"
    hashing = joined_at - started
    assert hashing > 0.5, f"the join took {hashing:.2f} s: the hash is not slow enough to tell"
    assert round_trip < min(0.3, hashing / 3), (
        f"another connection waited {round_trip:.2f} s during a {hashing:.2f} s join"
    )
