"""Whom a trusted proxy's forwarded headers name, spelled as a hostile client would spell them,
on both runtimes, over raw HTTP and raw Engine.IO (polling and WebSocket).

The servers trust 127.0.0.1 as a proxy and read one header family
(SECURECHAT_FORWARDED_HEADER: `x-forwarded-for` or `forwarded`). In every test the "proxy"
reports the client at OUTSIDE, an address no room verified, while the client's own headers
claim OFFICE, which is verified: a test passes when OUTSIDE is what counts. The controls show
the same requests get in when the proxy's line says OFFICE."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.contract.client import Api, Room
from tests.contract.harness import ServerProcess
from tests.contract.wire import RawPolling, RawSocketIO, http_request

ADMIN = "203.0.113.1"
OFFICE = "198.51.100.0/24"
INSIDE = "198.51.100.7"  # what the client claims
OUTSIDE = "192.0.2.9"  # where the proxy saw it come from

Lines = list[tuple[str, str]]

# Underscore spellings that engine.io's ASGI driver would fold into HTTP_X_FORWARDED_FOR (or
# that only look like the Forwarded header): every one is dropped, on both runtimes.
UNDERSCORED = {
    "x-forwarded-for": ("X_Forwarded_For", "x_forwarded_for", "X-Forwarded_For", "X_Forwarded-For"),
    "forwarded": ("forwarded_", "Forwarded_", "_Forwarded", "Forwarded_For"),
}


@dataclass(frozen=True)
class Proxy:
    """A server behind a trusted proxy on 127.0.0.1 that reads the `family` headers."""

    server: ServerProcess
    family: str

    @property
    def url(self) -> str:
        return self.server.url

    def says(self, address: str, name: str | None = None) -> tuple[str, str]:
        """A header line naming `address` in this server's family (under `name`, if given)."""
        if self.family == "forwarded":
            return name or "Forwarded", f'for="{address}:4711";proto=http'
        return name or "X-Forwarded-For", address

    def other(self, address: str) -> tuple[str, str]:
        """The same claim in the family this server does not read."""
        if self.family == "forwarded":
            return "X-Forwarded-For", address
        return "Forwarded", f"for={address}"


@pytest.fixture(scope="module", params=("x-forwarded-for", "forwarded"))
def proxy(
    runtime: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxy]:
    family = str(request.param)
    env = {"SECURECHAT_TRUSTED_PROXIES": "127.0.0.1", "SECURECHAT_FORWARDED_HEADER": family}
    data_dir = tmp_path_factory.mktemp(f"forwarding-{runtime}")
    server = ServerProcess(runtime, data_dir, "memory", env).start()
    yield Proxy(server, family)
    server.stop()
    stderr = server.stderr_text()
    assert "Traceback" not in stderr, f"the server printed a traceback:\n{stderr}"


# -- setup, through the proxy's proper headers ---------------------------------------------


def _admin(proxy: Proxy, room: Room, method: str, path: str, body: object) -> None:
    headers = dict([proxy.says(ADMIN), ("Authorization", f"Bearer {room.admin_token}")])
    with httpx.Client(base_url=proxy.url, timeout=30) as http:
        response = http.request(method, path, json=body, headers=headers)
    assert response.status_code == 200, response.text


def _room(proxy: Proxy, policy: str) -> tuple[Room, str]:
    """A room whose verified addresses are OFFICE (and the admin's), under `policy`; and a
    guest token verified from INSIDE."""
    api = Api(proxy.url)
    try:
        room = api.create_room()
    finally:
        api.close()
    for ip in (f"{ADMIN}/32", OFFICE):
        _admin(proxy, room, "POST", "/admin/verify_ip", {"room_id": room.room_id, "ip": ip})
    path = f"/admin/rooms/{room.room_id}/settings"
    _admin(proxy, room, "PATCH", path, {"ip_policy": policy})
    status, body = _rest(
        proxy,
        "POST",
        f"/chat/{room.room_id}/verify",
        [proxy.says(INSIDE)],
        {"password": room.password},
    )
    assert status == 200, body
    return room, body["token"]


# -- raw requests --------------------------------------------------------------------------


def _rest(
    proxy: Proxy,
    method: str,
    path: str,
    lines: Lines,
    body: object = None,
    token: str | None = None,
) -> tuple[int, Any]:
    headers = [*lines, *([("Authorization", f"Bearer {token}")] if token else [])]
    data = b"" if body is None else json.dumps(body).encode()
    status, payload = http_request(proxy.url, method, path, data, headers, "application/json")
    return status, json.loads(payload)


def _admitted(status: int, body: Any) -> bool:
    """Let in (2xx), or refused for the address (403 ip_not_verified); nothing else."""
    if status == 403 and body == {"error": body.get("error"), "code": "ip_not_verified"}:
        return False
    assert 200 <= status < 300, (status, body)
    return True


def _rest_admissions(
    proxy: Proxy, rooms: tuple[Room, Room], token: str, lines: Lines
) -> list[bool]:
    """Whether each route kind lets in a client whose headers are `lines`: verify without
    a password (under `allow`), or history and a send with a token (under `require`)."""
    allow_room, require_room = rooms
    return [
        _admitted(*_rest(proxy, "POST", f"/chat/{allow_room.room_id}/verify", lines, {})),
        _admitted(
            *_rest(proxy, "GET", f"/chat/{require_room.room_id}/messages", lines, None, token)
        ),
        _admitted(
            *_rest(proxy, "POST", f"/chat/{require_room.room_id}", lines, {"message": "m"}, token)
        ),
    ]


def _websocket_join(proxy: Proxy, room: Room, token: str, lines: Lines) -> bool:
    client = RawSocketIO(proxy.url, lines)
    try:
        client.connect(token)
        ack = client.call("join", {"room": room.room_id})[0]
    finally:
        client.close()
    return _joined(ack)


def _polling_join(proxy: Proxy, room: Room, token: str, lines: Lines) -> bool:
    polling = RawPolling(proxy.url, lines)
    assert polling.post("40" + json.dumps({"token": token})) == 200
    status, packets = polling.poll()
    assert status == 200 and packets[0].startswith("40{"), packets
    assert polling.post("421" + json.dumps(["join", {"room": room.room_id}])) == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _, packets = polling.poll()
        for packet in packets:
            if packet.startswith("431["):
                polling.post("1")  # engine.io's close
                return _joined(json.loads(packet[3:])[0])
    raise AssertionError("no join ack over polling")


def _joined(ack: dict[str, Any]) -> bool:
    if ack.get("ok") is True:
        return True
    assert ack.get("code") == "ip_not_verified", ack
    return False


def _socket_admissions(proxy: Proxy, room: Room, token: str, lines: Lines) -> list[bool]:
    """Whether a join under `require` is let in, over WebSocket and over polling."""
    return [
        _websocket_join(proxy, room, token, lines),
        _polling_join(proxy, room, token, lines),
    ]


@pytest.fixture
def rooms(proxy: Proxy) -> tuple[tuple[Room, Room], str]:
    """An `allow` room and a `require` room, and a guest token of the latter."""
    allow_room, _ = _room(proxy, "allow")
    require_room, token = _room(proxy, "require")
    return (allow_room, require_room), token


# -- the tests -----------------------------------------------------------------------------


def test_the_control_the_proxys_line_decides_every_route_and_transport(
    proxy: Proxy, rooms: tuple[tuple[Room, Room], str]
) -> None:
    (allow_room, require_room), token = rooms
    assert (
        _rest_admissions(proxy, (allow_room, require_room), token, [proxy.says(INSIDE)])
        == [True] * 3
    )
    assert (
        _rest_admissions(proxy, (allow_room, require_room), token, [proxy.says(OUTSIDE)])
        == [False] * 3
    )
    assert _socket_admissions(proxy, require_room, token, [proxy.says(INSIDE)]) == [True, True]
    assert _socket_admissions(proxy, require_room, token, [proxy.says(OUTSIDE)]) == [False, False]


def test_repeated_lines_are_joined_and_the_clients_own_first_line_does_not_win(
    proxy: Proxy, rooms: tuple[tuple[Room, Room], str]
) -> None:
    """A proxy that adds its own line instead of appending to the client's: RFC 9110 joins
    them in order, so the proxy's (last) entry is the right-most hop."""
    (allow_room, require_room), token = rooms
    name = proxy.says(OUTSIDE)[0].upper()  # names are case-insensitive
    forged = [proxy.says(INSIDE), ("Accept", "*/*"), proxy.says(OUTSIDE, name)]
    assert _rest_admissions(proxy, (allow_room, require_room), token, forged) == [False] * 3
    assert _socket_admissions(proxy, require_room, token, forged) == [False, False]
    # The other way round, the proxy's line names a verified address: it gets in.
    honest = [proxy.says(OUTSIDE), proxy.says(INSIDE)]
    assert _rest_admissions(proxy, (allow_room, require_room), token, honest) == [True] * 3
    assert _socket_admissions(proxy, require_room, token, honest) == [True, True]


def test_underscore_spellings_of_forwarded_headers_are_dropped_on_every_route_and_transport(
    proxy: Proxy, rooms: tuple[tuple[Room, Room], str]
) -> None:
    (allow_room, require_room), token = rooms
    for spelling in UNDERSCORED[proxy.family]:
        claim = proxy.says(INSIDE, spelling)
        # After the proxy's own line, where engine.io's ASGI driver would append it...
        after = [proxy.says(OUTSIDE), claim]
        assert _rest_admissions(proxy, (allow_room, require_room), token, after) == [False] * 3
        assert _socket_admissions(proxy, require_room, token, after) == [False, False], spelling
        # ...and alone: the client is then the proxy itself, which no room verified.
        alone = [claim]
        assert _rest_admissions(proxy, (allow_room, require_room), token, alone) == [False] * 3
        assert _socket_admissions(proxy, require_room, token, alone) == [False, False], spelling


def test_the_other_header_family_relayed_by_the_proxy_does_not_win(
    proxy: Proxy, rooms: tuple[tuple[Room, Room], str]
) -> None:
    """A proxy that writes only one family passes the client's copy of the other along."""
    (allow_room, require_room), token = rooms
    for lines in (
        [proxy.other(INSIDE), proxy.says(OUTSIDE)],
        [proxy.says(OUTSIDE), proxy.other(INSIDE)],
    ):
        assert _rest_admissions(proxy, (allow_room, require_room), token, lines) == [False] * 3
        assert _socket_admissions(proxy, require_room, token, lines) == [False, False]
    # The other family alone names no one: the client is the proxy.
    alone = [proxy.other(INSIDE)]
    assert _rest_admissions(proxy, (allow_room, require_room), token, alone) == [False] * 3
    assert _socket_admissions(proxy, require_room, token, alone) == [False, False]


def test_the_scheme_a_socket_origin_is_checked_against_comes_from_the_family_that_counts(
    proxy: Proxy,
) -> None:
    host = proxy.url.removeprefix("http://")
    origin = ("Origin", f"https://{host}")
    target = "/socket.io/?EIO=4&transport=polling"
    x_proto = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", host)]
    forwarded = [("Forwarded", f"for={OUTSIDE};proto=https;host={host}")]
    ours, theirs = (forwarded, x_proto) if proxy.family == "forwarded" else (x_proto, forwarded)
    status, _ = http_request(proxy.url, "GET", target, b"", [origin, *ours])
    assert status == 200
    status, body = http_request(proxy.url, "GET", target, b"", [origin, *theirs])
    assert (status, json.loads(body)["code"]) == (403, "origin_not_allowed")
