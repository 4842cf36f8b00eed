"""Hostile clients at the Engine.IO / Socket.IO level, spoken frame by frame.

Each test drives a real server (both runtimes) with tests/contract/wire.py, which sends
what client libraries never would: reserved event names, announced binary attachments,
oversized and compressed frames, malformed packets, resets in the middle of a join.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from tests.contract.client import Api, Room, receive_until
from tests.contract.harness import ServerProcess, wait_until
from tests.contract.wire import OP_BINARY, OP_TEXT, Closed, RawPolling, RawSocketIO, rss_kib

MAX_REQUEST_BYTES = 65536
MIB = 1024


@pytest.fixture(scope="module")
def server(runtime: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per runtime (memory storage: these are transport tests)."""
    data_dir = tmp_path_factory.mktemp(f"hostile-{runtime}")
    process = ServerProcess(
        runtime, data_dir, "memory", {"SECURECHAT_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES)}
    ).start()
    yield process
    process.stop()
    stderr = process.stderr_text()
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()


def _joined(api: Api, room: Room, username: str) -> RawSocketIO:
    raw = RawSocketIO(api.base_url)
    raw.connect(api.token(room, username))
    [ack] = raw.call("join", {"room": room.room_id})
    assert ack["ok"] is True, ack
    return raw


def _online(client: object, count: int, timeout: float = 5.0) -> None:
    """Wait for an online_count of `count` (earlier counts are skipped)."""
    deadline = time.monotonic() + timeout
    while (seen := receive_until(client, "online_count", deadline - time.monotonic()))[
        "count"
    ] != count:
        assert time.monotonic() < deadline, seen


def _status(client: object, event: str, timeout: float = 5.0) -> dict[str, object]:
    """The next `status` event of kind `event` ("join" or "leave"), others skipped."""
    deadline = time.monotonic() + timeout
    while (seen := receive_until(client, "status", deadline - time.monotonic()))["event"] != event:
        assert time.monotonic() < deadline, seen
    return seen  # type: ignore[no-any-return]


def _refused(ack: list[object]) -> dict[str, object]:
    [body] = ack
    assert isinstance(body, dict)
    assert body["ok"] is False and body["status"] == "error", body
    assert isinstance(body["error"], str) and body["error"]
    return body


# -- 1. reserved and unknown event names -----------------------------------------------


def test_reserved_event_names_never_reach_the_handlers(api: Api) -> None:
    room, other = api.create_room(), api.create_room()
    with api.socket(api.token(room, "bob")) as bob:
        assert bob.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        mallory = _joined(api, room, "mallory")
        _online(bob, 2)
        # Without an ack id these are dropped; with one, answered with an error.
        mallory.emit("disconnect")
        mallory.emit("connect", {}, {"token": other.admin_token})
        for ack_id, event in enumerate(("disconnect", "connect", "connect_error", "nope"), 1):
            body = _refused(mallory.call(event, {}, {"token": other.admin_token}, ack=ack_id))
            assert body["code"] == "invalid_event"

        # Nothing changed: mallory is present, still in the room, with her own claims only.
        with pytest.raises((TimeoutError, socketio.exceptions.TimeoutError)):
            receive_until(bob, "status", timeout=1.0)
        bob.emit("message", {"room": room.room_id, "message": "still there?"})
        received = [m["message"] for m in mallory.events("message", timeout=2.0)]
        assert received == ["still there?"]
        assert _refused(mallory.call("join", {"room": other.room_id}, ack=9))["code"] == "forbidden"
        mallory.close()
        assert receive_until(bob, "status")["event"] == "leave"
        _online(bob, 1)


def test_unknown_or_malformed_events_get_an_error_ack_and_the_connection_goes_on(
    api: Api,
) -> None:
    room = api.create_room()
    raw = _joined(api, room, "carol")
    for ack_id, packet in enumerate(
        ('["no_such_event", {}]', "[42, {}]", '{"join": 1}', '["join\\u0000x", {}]'), 1
    ):
        raw.send_text(f"42{ack_id}{packet}")
        assert _refused(raw.ack(ack_id))["code"] == "invalid_event"
    [ack] = raw.call("message", {"room": room.room_id, "message": "fine"}, ack=10)
    assert ack["ok"] is True
    raw.close()


def test_an_event_with_extra_or_missing_arguments_gets_an_error_ack(api: Api) -> None:
    room = api.create_room()
    raw = _joined(api, room, "dave")
    assert _refused(raw.call("join", ack=1))["code"] == "invalid_event"
    extra = raw.call("message", {"room": room.room_id, "message": "x"}, "extra", ack=2)
    assert _refused(extra)["code"] == "invalid_event"
    assert _refused(raw.call("leave", {"room": room.room_id}, {}, ack=3))["code"] == (
        "invalid_event"
    )
    assert api.texts(room.room_id, room.admin_token) == []
    [ack] = raw.call("message", {"room": room.room_id, "message": "one"}, ack=4)
    assert ack["ok"] is True
    raw.close()


def test_hostile_reaction_and_edit_payloads_get_error_acks_and_change_nothing(api: Api) -> None:
    room = api.create_room()
    posted = api.post(room.room_id, room.admin_token, "the original")
    assert posted.status_code == 201, posted.text
    message_id = posted.json()["message_id"]
    raw = _joined(api, room, "erin")
    rid = room.room_id
    target = {"room": rid, "message_id": message_id}
    for ack_id, (event, data, code) in enumerate(
        (
            (
                "reaction",
                {**target, "reaction": "<img src=x onerror=alert(1)>"},
                "invalid_reaction",
            ),
            ("reaction", {**target, "reaction": "\U0001f44d" * 4000}, "invalid_reaction"),
            ("reaction", {**target, "reaction": "\u202e\U0001f44d"}, "invalid_reaction"),
            ("reaction", {**target, "reaction": "\x00"}, "invalid_reaction"),
            ("reaction", {**target, "reaction": {"$ne": ""}}, "invalid_field"),
            ("reaction", {**target, "reaction": None}, "invalid_field"),
            (
                "reaction",
                {**target, "message_id": "../" * 20, "reaction": "\U0001f44d"},
                "invalid_message_id",
            ),
            (
                "reaction",
                {**target, "message_id": ["x"], "reaction": "\U0001f44d"},
                "invalid_field",
            ),
            ("reaction", {"room": rid, "reaction": "\U0001f44d"}, "missing_field"),
            ("edit", {**target, "message": "x" * 20000}, "message_too_long"),
            ("edit", {**target, "message": "\ud800"}, "invalid_message"),
            ("edit", {**target, "message": {"text": "x"}}, "invalid_field"),
            ("edit", {**target, "message": "mine now"}, "not_sender"),
            ("edit", {**target, "message": "x", "user_id": ["g_1"]}, "invalid_field"),
            ("edit", {**target, "message": "x", "__proto__": {}}, "unexpected_field"),
        ),
        1,
    ):
        body = _refused(raw.call(event, data, ack=ack_id))
        assert body["code"] == code, (event, data, body)
    # Extra or missing arguments, as for any event.
    assert _refused(raw.call("reaction", ack=50))["code"] == "invalid_event"
    extra = raw.call("edit", {**target, "message": "x"}, "extra", ack=51)
    assert _refused(extra)["code"] == "invalid_event"
    assert _refused(raw.call("reaction", "\U0001f44d", ack=52))["code"] == "invalid_event"
    # The connection goes on, and nothing changed.
    [ack] = raw.call("reaction", {**target, "reaction": "\U0001f44d"}, ack=53)
    assert ack["ok"] is True and ack["on"] is True
    raw.close()
    [message] = api.messages(rid, room.admin_token).json()["messages"]
    assert (message["message"], message["edited_at"]) == ("the original", None)
    assert list(message["reactions"]) == ["\U0001f44d"]


def test_renew_with_another_identitys_token_or_garbage_gets_error_acks_and_changes_nothing(
    api: Api,
) -> None:
    room = api.create_room()
    raw = _joined(api, room, "rena")
    other = api.token(room, "otto")  # valid, of this room, of another identity
    hostile = (
        ({"token": other}, "identity_mismatch"),
        ({"token": room.admin_token}, "identity_mismatch"),  # the creator's, not hers
        ({"token": "x.y.z"}, "unauthorized"),
        ({"token": other + "="}, "unauthorized"),  # a padded spelling of a valid token
        ({"token": ""}, "unauthorized"),
        ({"token": "a" * 5000}, "invalid_field"),
        ({"token": ["x"]}, "invalid_field"),
        ({"token": None}, "invalid_field"),
        ({}, "missing_field"),
        ({"token": other, "user_id": "g_x"}, "unexpected_field"),
    )
    for ack_id, (data, code) in enumerate(hostile, 1):
        body = _refused(raw.call("renew", data, ack=ack_id))
        assert body["code"] == code, (data, body)
    assert _refused(raw.call("renew", "just a string", ack=90))["code"] == "invalid_event"
    # Nothing changed: still her connection, in the room, sending as herself.
    [ack] = raw.call("message", {"room": room.room_id, "message": "still me"}, ack=91)
    assert ack["ok"] is True, ack
    raw.close()
    [message] = api.messages(room.room_id, room.admin_token).json()["messages"]
    assert message["username"] == "rena"


# -- 2. oversized and compressed WebSocket messages -------------------------------------


def test_a_frame_over_the_limit_closes_with_1009_and_memory_stays_flat(
    api: Api, server: ServerProcess
) -> None:
    before = rss_kib(server.pid)
    for _ in range(20):
        raw = RawSocketIO(api.base_url)  # no token needed: the bound comes first
        raw.send_frame(b"4" + b"x" * (MAX_REQUEST_BYTES * 2), declared=100 * MIB * 1024)
        assert raw.wait_closed() in (1009, None)
        raw.close()
    for _ in range(5):  # a message over the bound in many small fragments
        raw = RawSocketIO(api.base_url)
        raw.send_frame(b"4" + b"x" * 1000, fin=False)
        try:
            for _ in range(MAX_REQUEST_BYTES // 1000 + 2):
                raw.send_frame(b"x" * 1000, opcode=0, fin=False)
        except OSError:
            pass  # closed while we were still sending
        assert raw.wait_closed() in (1009, None)
        raw.close()
    assert rss_kib(server.pid) - before < 30 * MIB, "RSS grew by more than 30 MiB"
    assert Api(api.base_url).http.get("/chat/x/messages").status_code == 401  # still serving


def test_compression_is_not_negotiated_and_a_deflated_frame_closes_the_connection(
    api: Api, server: ServerProcess
) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = compressor.compress(b"4" + b"\0" * (300 * MIB * 1024)) + compressor.flush()
    assert len(bomb) < 400 * 1024
    before = rss_kib(server.pid)
    for _ in range(5):
        raw = RawSocketIO(
            api.base_url, {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
        )
        assert "sec-websocket-extensions" not in raw.response_head.lower()
        with contextlib.suppress(OSError):  # closed while we were still sending
            raw.send_frame(bomb, rsv1=True)
        assert raw.wait_closed() in (1002, 1009, None)
        raw.close()
    assert rss_kib(server.pid) - before < 30 * MIB, "RSS grew by more than 30 MiB"


# -- 3. binary attachments --------------------------------------------------------------


def test_a_packet_announcing_attachments_closes_the_connection(
    api: Api, server: ServerProcess
) -> None:
    room = api.create_room()
    with api.socket(api.token(room, "bob")) as bob:
        assert bob.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        before = rss_kib(server.pid)
        for announced in ("1", "9999999999"):
            for _ in range(10):
                raw = _joined(api, room, "eve")
                raw.send_text(f"45{announced}-" + json.dumps(["message", {"_placeholder": True}]))
                try:
                    for _ in range(64):
                        raw.send_frame(b"\0" * 16384, OP_BINARY)
                except OSError:
                    pass
                assert raw.wait_closed() in (1000, 1005, None)
                raw.close()
        assert rss_kib(server.pid) - before < 30 * MIB
        # The others are untouched.
        bob.emit("message", {"room": room.room_id, "message": "after"})
        assert receive_until(bob, "message")["message"] == "after"


def test_binary_frames_close_the_connection(api: Api) -> None:
    room = api.create_room()
    raw = _joined(api, room, "frank")
    raw.send_frame(b"\x04binary", OP_BINARY)
    assert raw.wait_closed() in (1000, 1005, None)
    raw.close()


# -- 7. malformed packets cost one short log line at most -------------------------------


def test_malformed_packets_never_flood_the_log(api: Api, server: ServerProcess) -> None:
    start = len(server.stderr_text())
    for _ in range(200):  # a CONNECT whose payload is not JSON
        raw = RawSocketIO(api.base_url)
        raw.send_text("40{")
        assert raw.wait_closed() in (1000, 1005, None)
        raw.close()
    room = api.create_room()
    raw = _joined(api, room, "noisy")
    for _ in range(800):  # unknown events, and an unsolicited ack
        raw.send_text('42["nope",{}]')
        raw.send_text("31[]")
    [ack] = raw.call("message", {"room": room.room_id, "message": "still ok"}, ack=7)
    assert ack["ok"] is True
    raw.close()
    wait_until(lambda: False, timeout=0.5)
    written = server.stderr_text()[start:]
    assert "Traceback" not in written
    assert len(written) < 16 * 1024, f"{len(written)} bytes of log for 1,800 bad packets"
    assert all(len(line) < 400 for line in written.splitlines())


# -- 8. long-polling clients that stop fetching ------------------------------------------


def _polling_member(api: Api, room: Room) -> RawPolling:
    polling = RawPolling(api.base_url)
    assert polling.post("40" + json.dumps({"token": api.token(room, "sleepy")})) == 200
    status, packets = polling.poll()
    assert status == 200 and packets[0].startswith("40{"), packets
    assert polling.post("421" + json.dumps(["join", {"room": room.room_id}])) == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _, packets = polling.poll()
        if any(p.startswith("431") for p in packets):
            return polling
    raise AssertionError("no join ack over polling")


@pytest.fixture(scope="module")
def strict_server(
    runtime: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {"SECURECHAT_SLOW_CLIENT_TIMEOUT": "2", "SECURECHAT_MAX_QUEUED_BYTES": "65536"}
    process = ServerProcess(
        runtime, tmp_path_factory.mktemp(f"strict-{runtime}"), "memory", env
    ).start()
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


def test_a_polling_client_that_stops_fetching_is_cut_off(strict_server: ServerProcess) -> None:
    api = Api(strict_server.url)
    room = api.create_room()
    with api.socket(api.token(room, "awake")) as awake:
        assert awake.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        sleepy = _polling_member(api, room)
        _online(awake, 2)
        api.post(room.room_id, room.admin_token, "one")  # queued, never fetched
        # Cut off after SECURECHAT_SLOW_CLIENT_TIMEOUT (2 s) plus the once-a-second sweep.
        assert _status(awake, "leave", timeout=6)["user_id"]
        _online(awake, 1)
        status, _ = sleepy.poll()
        assert status == 400  # the session is gone
    api.close()


def test_a_polling_backlog_is_bounded_in_bytes(strict_server: ServerProcess) -> None:
    api = Api(strict_server.url)
    room = api.create_room()
    with api.socket(api.token(room, "awake")) as awake:
        assert awake.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        sleepy = _polling_member(api, room)
        for index in range(100):  # 100 x ~1 KiB, well within the 2-second window
            assert api.post(room.room_id, room.admin_token, f"{index:04d}" + "x" * 1000).is_success
        status, packets = sleepy.poll()
        fetched = sum(len(p) for p in packets)
        assert status == 400 or fetched <= 65536 + 2048, fetched
        assert _status(awake, "leave", timeout=5)["user_id"]
    api.close()


# -- tools -------------------------------------------------------------------------------


def test_the_raw_client_speaks_the_protocol(api: Api, tmp_path: Path) -> None:
    """The byte-level client itself: a well-formed exchange works end to end."""
    room = api.create_room()
    raw = _joined(api, room, "grace")
    raw.send_frame(b'42["message",{"room":"%s","message":"hi"}]' % room.room_id.encode(), OP_TEXT)
    assert [m["message"] for m in raw.events("message", timeout=2.0)] == ["hi"]
    raw.close()
    with pytest.raises(Closed):
        raise Closed(1000)


# -- 10. engine.io's own refusals answer in our shape, the same on both runtimes ---------


def _raw_http(base_url: str, head: str) -> tuple[int, dict[str, str], bytes]:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_line", "extra", "status", "code"),
    [
        ("GET /socket.io/?EIO=4&transport=polling&sid=nope", "", 400, "bad_request"),
        ("GET /socket.io/?EIO=4&transport=carrier-pigeon", "", 400, "bad_request"),
        ("GET /socket.io/?EIO=3&transport=polling", "", 400, "bad_request"),
        (
            "POST /socket.io/?EIO=4&transport=polling&sid=nope",
            "Content-Length: 0\r\n",
            400,
            "bad_request",
        ),
        (
            "PUT /socket.io/?EIO=4&transport=polling",
            "Content-Length: 0\r\n",
            405,
            "method_not_allowed",
        ),
        (
            "GET /socket.io/?EIO=4&transport=websocket&sid=nope",
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            400,
            "bad_request",
        ),
    ],
)
def test_engineio_refusals_are_our_json(
    api: Api, request_line: str, extra: str, status: int, code: str
) -> None:
    host = api.base_url.removeprefix("http://")
    got, headers, body = _raw_http(
        api.base_url, f"{request_line} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    assert got == status, body
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert json.loads(body)["code"] == code
