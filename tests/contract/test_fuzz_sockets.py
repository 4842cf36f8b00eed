"""A bounded, seeded fuzz of the Engine.IO / Socket.IO packet path, on both runtimes.

Thousands of mutated packets (from a corpus of valid ones: flipped, cut, spliced, retyped,
given absurd ack ids or arguments) go over raw WebSockets and long-polling, while a
well-behaved client stays in the room. Afterwards: no traceback in the server's log, the
well-behaved client never lost its connection, and the server still serves.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator

import pytest

from tests.contract.client import Api, Room, receive_until
from tests.contract.harness import ServerProcess
from tests.contract.wire import Closed, RawPolling, RawSocketIO

SEED = 20261203
PACKETS = 3000
POLLING_PACKETS = 300


@pytest.fixture(scope="module")
def server(runtime: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(runtime, tmp_path_factory.mktemp(f"fuzz-{runtime}"), "memory").start()
    yield process
    process.stop()


def _corpus(room: Room, token: str, message_id: str) -> list[str]:
    rid, mid = room.room_id, message_id
    return [
        "40" + json.dumps({"token": token}),
        "40",
        "41",
        f'42["join",{{"room":"{rid}"}}]',
        f'421["join",{{"room":"{rid}"}}]',
        f'422["message",{{"room":"{rid}","message":"hello"}}]',
        f'42["message",{{"room":"{rid}","message":"x"}}]',
        f'423["leave",{{"room":"{rid}"}}]',
        f'425["reaction",{{"room":"{rid}","message_id":"{mid}","reaction":"\U0001f44d"}}]',
        f'42["reaction",{{"room":"{rid}","message_id":"{mid}","reaction":"\u2764\ufe0f"}}]',
        f'426["edit",{{"room":"{rid}","message_id":"{mid}","message":"edited"}}]',
        f'427["typing",{{"room":"{rid}","is_typing":true}}]',
        f'42["typing",{{"room":"{rid}","is_typing":false}}]',
        '424["disconnect"]',
        '42["connect",{},' + json.dumps({"token": token}) + "]",
        '431["ok"]',
        '451-["message",{"_placeholder":true,"num":0}]',
        "2",
        "3",
        "2probe",
        "5",
        "6",
        "1",
    ]


_NASTY = [
    "",
    "\x00",
    "\ud800",
    "9" * 40,
    "[" * 200,
    "{" * 50,
    '"',
    "\\",
    "/admin,",
    "-",
    "null",
    "1e999",
    "NaN",
    "\u202e",
    "\x1e",
    '{"__proto__":{}}',
]


def _mutate(rng: random.Random, packet: str) -> str:
    choice = rng.randrange(9)
    if choice == 0 and packet:  # flip a character
        i = rng.randrange(len(packet))
        return packet[:i] + chr(rng.randrange(32, 0x2FF)) + packet[i + 1 :]
    if choice == 1:  # cut
        return packet[: rng.randrange(len(packet) + 1)]
    if choice == 2:  # splice in something nasty
        i = rng.randrange(len(packet) + 1)
        return packet[:i] + rng.choice(_NASTY) + packet[i:]
    if choice == 3 and packet:  # retype the engine.io or socket.io packet
        return rng.choice("0123456789xb") + packet[1:]
    if choice == 4:  # absurd ack id
        return "42" + str(rng.randrange(10**30)) + packet[2:]
    if choice == 5:  # random JSON arguments
        names = ["join", "message", "leave", "reaction", "edit", "typing", 1, None, [], {}]
        args = [rng.choice(names)]
        extra = rng.choice([{}, [], "x" * rng.randrange(100), 1.5, True, {"room": 1}])
        args += [extra] * rng.randrange(4)
        return "42" + json.dumps(args)
    if choice == 6:  # two packets glued together
        return packet + packet
    if choice == 7:  # deep nesting
        depth = rng.randrange(1, 5000)
        return '42["join",' + "[" * depth + "]" * depth + "]"
    return packet


class Fuzzer:
    """Raw WebSockets that reconnect whenever the server closes them."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.raw: RawSocketIO | None = None
        self.reconnects = 0

    def send(self, text: str) -> None:
        if self.raw is None:
            self.raw = RawSocketIO(self.base_url)
            self.reconnects += 1
            if self.reconnects % 2:
                self.raw.connect(self.token)
        try:
            self.raw.send_text(text)
            self._drain()
        except (OSError, Closed):
            self.raw.close()
            self.raw = None

    def _drain(self) -> None:
        assert self.raw is not None
        self.raw.sock.settimeout(0.0)
        try:
            while chunk := self.raw.sock.recv(65536):
                self.raw._buf = b""  # nothing here is read: keep the buffer empty
                del chunk
        except (TimeoutError, BlockingIOError):
            return
        raise Closed(None)  # recv returned b"": the server closed the connection

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()


def test_the_packet_path_survives_a_seeded_fuzz(server: ServerProcess) -> None:
    rng = random.Random(SEED)
    api = Api(server.url)
    room = api.create_room()
    posted = api.post(room.room_id, room.admin_token, "react to me, edit me")
    assert posted.status_code == 201, posted.text
    corpus = _corpus(room, room.admin_token, posted.json()["message_id"])
    started = time.monotonic()
    with api.socket(api.token(room, "steady")) as steady:
        assert steady.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        fuzzer = Fuzzer(server.url, room.admin_token)
        for index in range(PACKETS):
            fuzzer.send(_mutate(rng, rng.choice(corpus)))
            if index % 500 == 499:  # the well-behaved client is served all along
                ack = steady.call("message", {"room": room.room_id, "message": f"n{index}"})
                assert ack["ok"] is True, ack
        fuzzer.close()

        polling = RawPolling(server.url)
        polling.post("40" + json.dumps({"token": room.admin_token}))
        for _ in range(POLLING_PACKETS // 10):
            batch = [_mutate(rng, rng.choice(corpus)) for _ in range(10)]
            status = polling.post(*(p.replace("\x1e", "") or "6" for p in batch))
            assert status in (200, 400), status
            if status == 400:
                polling = RawPolling(server.url)
                polling.post("40" + json.dumps({"token": room.admin_token}))

        assert steady.connected
        ack = steady.call("message", {"room": room.room_id, "message": "the end"}, timeout=5)
        assert ack["ok"] is True
        assert receive_until(steady, "message", timeout=5)["room_id"] == room.room_id
    assert (
        api.http.post(
            "/room/create", json={"room_id": room.room_id + "x", "password": "correct horse"}
        ).status_code
        == 201
    )
    api.close()
    assert time.monotonic() - started < 60
    stderr = server.stderr_text()
    assert "Traceback" not in stderr, stderr[-4000:]
    assert len(stderr) < 64 * 1024, f"{len(stderr)} bytes of log"
