"""Route and socket limits: parsed from SECURECHAT_RATE_LIMITS, keyed by address (IPv6 by
/64), path or payload room and identity; password attempts counted before a route's view or
a join's handler runs, so a refused guess costs no hash; messages counted before the send."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import Headers

from adapters.limits.memory import MemoryRateLimiter
from domain.usecases.create_room import create_room
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.admission import admit_event
from entrypoints.common.bootstrap import Core
from entrypoints.common.edge import TrustedProxies, address_key, socket_client_address
from entrypoints.common.http_types import HttpRequest
from entrypoints.common.limits import DEFAULT_RATE_LIMITS, Tarpit, parse_rate_limits
from entrypoints.common.routes import ROUTES
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings, SettingsError
from entrypoints.common.socket_api import EVENTS_BY_NAME
from entrypoints.common.steps import Call, Effect, Sleep, Submit, drive
from tests.support import World, signed_in_user

PASSWORD = "correct horse battery"  # noqa: S105 - test data


def test_the_setting_overrides_defaults_or_turns_every_limit_off() -> None:
    assert parse_rate_limits("") == DEFAULT_RATE_LIMITS
    assert parse_rate_limits("password_ip = 5/minute")["password_ip"] == "5/minute"
    assert parse_rate_limits("off") == {}
    env = {"SECURECHAT_RATE_LIMITS": "login_ip=3 per hour"}
    assert dict(Settings.from_env(env).rate_limits)["login_ip"] == "3 per hour"


@pytest.mark.parametrize("text", ["nope=1/minute", "password_ip", "password_ip=often", "x"])
def test_a_setting_that_is_not_rule_and_rate_stops_the_start(text: str) -> None:
    with pytest.raises(SettingsError, match="SECURECHAT_RATE_LIMITS"):
        Settings.from_env({"SECURECHAT_RATE_LIMITS": text})


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    assert address_key("2001:db8::1") == address_key("2001:db8::ffff:1") == "2001:db8::/64"
    assert address_key("2001:db8:0:1::1") != address_key("2001:db8::1")
    assert address_key("::ffff:10.0.0.1") == "10.0.0.1"


def _verify(base: ServerBase, password: str, peer: str) -> tuple[int, dict[str, str]]:
    route = next(r for r in ROUTES if r.endpoint == "verify_room")
    body = f'{{"password": "{password}"}}'.encode()
    headers = Headers({"Content-Type": "application/json"})
    request = HttpRequest("POST", {"room_id": "lobby"}, {}, headers, body, peer)

    def perform(effect: Effect) -> Any:
        return effect.fn(*effect.args) if isinstance(effect, Call) else None

    status, _, out_headers = drive(base.view_steps(route, request), perform)
    return status, out_headers


def test_a_guess_over_the_limit_is_refused_before_any_hashing(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    limiter = MemoryRateLimiter({"password_room_ip": "2/minute"})
    base = ServerBase(Settings(), Core(Settings(), world.deps, limiter=limiter))
    assert _verify(base, "wrong password", "10.0.0.1")[0] == 401
    assert _verify(base, "wrong password", "10.0.0.1")[0] == 401
    hashed = world.hasher.verify_calls
    status, headers = _verify(base, PASSWORD, "10.0.0.1")
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert world.hasher.verify_calls == hashed  # no argon2 for a refused guess
    assert _verify(base, PASSWORD, "10.0.0.2")[0] == 200  # another address: its own budget


# -- per identity, and on the socket -----------------------------------------------------


def test_messages_and_socket_events_have_identity_rules_the_setting_overrides() -> None:
    assert {"message_user", "event_user"} <= set(DEFAULT_RATE_LIMITS)
    env = {"SECURECHAT_RATE_LIMITS": "message_user=5/second;event_user=9 per minute"}
    rules = dict(Settings.from_env(env).rate_limits)
    assert rules["message_user"] == "5/second" and rules["event_user"] == "9 per minute"


def _perform(base: ServerBase, stored: list[object]) -> Any:
    def perform(effect: Effect) -> Any:
        if isinstance(effect, Call):
            return effect.fn(*effect.args)
        if isinstance(effect, Submit):
            stored.append(effect.command)
            return base.send_batch([effect.command])[0]
        return None

    return perform


def _base(world: World, rules: dict[str, str]) -> ServerBase:
    return ServerBase(Settings(), Core(Settings(), world.deps, limiter=MemoryRateLimiter(rules)))


def _post(base: ServerBase, token: str, stored: list[object]) -> tuple[int, dict[str, str]]:
    route = next(r for r in ROUTES if r.endpoint == "post_message")
    headers = Headers({"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    request = HttpRequest("POST", {"room_id": "lobby"}, {}, headers, b'{"message": "hi"}')
    status, _, out_headers = drive(base.view_steps(route, request), _perform(base, stored))
    return status, out_headers


def test_rest_posts_past_the_identity_limit_are_refused_before_the_send(world: World) -> None:
    admin = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    guest = verify_room_password(world.deps, "lobby", PASSWORD).value.token
    base = _base(world, {"message_user": "2/minute"})
    stored: list[object] = []
    assert [_post(base, admin, stored)[0] for _ in range(2)] == [201, 201]
    status, headers = _post(base, admin, stored)
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60
    assert len(stored) == 2  # the refused post never reached the batcher
    assert _post(base, guest, stored)[0] == 201  # another identity: its own budget


def _emit(base: ServerBase, sid: str, name: str, data: object) -> dict[str, Any]:
    steps = base.event_steps(name, sid, (data,))
    ack: dict[str, Any] = drive(steps, _perform(base, []))
    return ack


def _connect(base: ServerBase, sid: str, token: str, peer: str = "10.0.0.1") -> None:
    drive(base.connect_steps(sid, {"token": token}, {"REMOTE_ADDR": peer}), _perform(base, []))


def test_socket_messages_and_events_past_their_identity_limits(world: World) -> None:
    admin = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    guest = verify_room_password(world.deps, "lobby", PASSWORD).value.token
    base = _base(world, {"message_user": "2/minute", "event_user": "4/minute"})
    _connect(base, "a1", admin)
    _connect(base, "a2", admin)  # the same identity on a second connection
    _connect(base, "g1", guest)
    assert _emit(base, "a1", "join", {"room": "lobby"})["ok"] is True
    message = {"room": "lobby", "message": "hi"}
    assert _emit(base, "a1", "message", message)["ok"] is True
    assert _emit(base, "a1", "message", message)["ok"] is True
    ack = _emit(base, "a1", "message", message)  # the third message: over message_user
    assert ack["code"] == "rate_limited" and 1 <= ack["retry_after"] <= 60
    assert set(ack) == {"ok", "status", "error", "code", "retry_after"} and ack["ok"] is False
    # 3 events counted; the refused message was not: one more event, then none, on any
    # connection of this identity.
    assert _emit(base, "a2", "join", {"room": "lobby"})["ok"] is True
    assert _emit(base, "a2", "leave", {"room": "lobby"})["code"] == "rate_limited"
    assert _emit(base, "g1", "join", {"room": "lobby"})["ok"] is True  # another identity
    assert _emit(base, "g1", "message", message)["ok"] is True


def test_socket_join_password_guesses_count_like_rest_ones(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    tokens = {name: signed_in_user(world, name)[0].access_token for name in ("a", "b")}
    base = _base(world, {"password_room_ip": "2/minute"})
    _connect(base, "a", tokens["a"], "10.0.0.1")
    _connect(base, "b", tokens["b"], "10.0.0.1")  # another user, the same address
    _connect(base, "c", tokens["b"], "10.0.0.2")
    wrong = {"room": "lobby", "password": "wrong password"}
    assert _emit(base, "a", "join", wrong)["code"] == "bad_password"
    assert _emit(base, "a", "join", wrong)["code"] == "bad_password"
    hashed = world.hasher.verify_calls
    # The limit holds for the address: even the right password, even another user.
    for sid in ("a", "b"):
        ack = _emit(base, sid, "join", {"room": "lobby", "password": PASSWORD})
        assert ack["code"] == "rate_limited" and ack["retry_after"] >= 1
    assert world.hasher.verify_calls == hashed  # no argon2 for a refused guess
    assert _emit(base, "c", "join", {"room": "lobby", "password": PASSWORD})["ok"] is True


def test_only_a_password_the_join_may_check_is_counted(world: World) -> None:
    """A user token with a password and a valid room id counts under the password rules,
    by that room and the connection's address; a join without a password, a room token's
    (whose password is ignored) and an invalid room id (refused before any hashing) do not."""
    admin = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    signed, alice = signed_in_user(world, "alice")
    base = _base(world, {})
    _connect(base, "user", signed.access_token, "2001:db8::7")
    _connect(base, "room", admin, "10.0.0.9")
    join = EVENTS_BY_NAME["join"]
    user, room = base.protocol.connection("user"), base.protocol.connection("room")
    assert user is not None and room is not None
    uid = alice.user_id
    admitted = admit_event(join, user, ({"room": "lobby", "password": "x"},))
    assert admitted.checks == (
        ("event_user", (uid,)),
        ("password_ip", ("2001:db8::/64",)),
        ("password_room_ip", ("lobby", "2001:db8::/64")),
    )
    assert admitted.hashed == (
        ("password_room", ("lobby",)),
        ("password_room_prefix", ("lobby", "2001:db8::/48")),
    )
    for args in (({"room": "lobby"},), ({"room": "no such/room", "password": "x"},), ()):
        assert admit_event(join, user, args).checks == (("event_user", (uid,)),)
    checks = admit_event(join, room, ({"room": "lobby", "password": "x"},)).checks
    assert checks == (("event_user", (room.claims.user_id,)),)
    message = admit_event(EVENTS_BY_NAME["message"], user, ({"room": "lobby"},)).checks
    assert message == (("event_user", (uid,)), ("message_user", (uid,)))


def test_a_socket_client_is_its_connections_address_as_the_edge_computes_it() -> None:
    """engine.io's WSGI environ names the peer in REMOTE_ADDR; its ASGI driver's says
    127.0.0.1 there and the peer and the header lines in the scope. X-Forwarded-For counts
    from a trusted proxy only."""
    proxies = TrustedProxies(["10.0.0.0/8"])
    wsgi = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert socket_client_address(wsgi, proxies) == "203.0.113.5"  # not a proxy: ignored
    asgi = {"REMOTE_ADDR": "127.0.0.1", "asgi.scope": {"client": ("10.1.2.3", 4000)}}
    assert socket_client_address(asgi, proxies) == "10.1.2.3"
    lines = [(b"x-forwarded-for", b"198.51.100.1, 10.0.0.2")]
    forwarded = {**asgi, "asgi.scope": {"client": ("10.1.2.3", 4000), "headers": lines}}
    assert socket_client_address(forwarded, proxies) == "198.51.100.1"
    assert socket_client_address({"REMOTE_ADDR": "::ffff:192.0.2.1"}, TrustedProxies()) == (
        "192.0.2.1"
    )


def test_a_connection_keeps_its_address_key_from_connect(world: World) -> None:
    admin = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    base = _base(world, {})
    _connect(base, "s", admin, "2001:db8::1:2")
    connection = base.protocol.connection("s")
    assert connection is not None and connection.address == "2001:db8::/64"


def test_the_tarpit_holds_refusals_up_to_its_bounds() -> None:
    tarpit = Tarpit(per_address=2, total=3)
    assert tarpit.hold("a") and tarpit.hold("a")
    assert not tarpit.hold("a")  # this address holds its share: answered at once
    assert tarpit.hold("b")
    assert not tarpit.hold("c")  # all held: answered at once
    tarpit.release("a")
    assert tarpit.hold("c")
    for key in ("a", "b", "c"):
        tarpit.release(key)
    assert (tarpit.held, tarpit.count) == ({}, 0)  # nothing kept once released


def test_a_refusal_waits_in_the_tarpit_and_then_is_released(world: World) -> None:
    base = _base(world, {"password_room_ip": "1/minute"})
    route = next(r for r in ROUTES if r.endpoint == "verify_room")
    request = HttpRequest(
        "POST",
        {"room_id": "lobby"},
        {},
        {"Content-Type": "application/json"},
        b'{"password": "a wrong guess"}',
        peer="192.0.2.1",
    )
    steps = base.view_steps(route, request)
    first = next(steps)  # the first attempt runs
    assert isinstance(first, Call)
    steps.close()
    refused = base.view_steps(route, request)
    assert next(refused) == Sleep(1.0)  # the second waits before its 429
    assert base.tarpit.held == {"192.0.2.1": 1}
    with pytest.raises(StopIteration) as done:
        refused.send(None)
    assert done.value.value[0] == 429
    assert base.tarpit.held == {}


def test_no_tarpit_when_the_delay_is_zero(world: World) -> None:
    settings = Settings(refusal_delay_ms=0)
    core = Core(settings, world.deps, limiter=MemoryRateLimiter({"password_room_ip": "1/minute"}))
    base = ServerBase(settings, core)
    route = next(r for r in ROUTES if r.endpoint == "verify_room")
    request = HttpRequest("POST", {"room_id": "lobby"}, {}, {}, b"{}", peer="192.0.2.1")
    base.limiter.attempt([("password_room_ip", ("lobby", "192.0.2.1"))])
    with pytest.raises(StopIteration) as done:
        next(base.view_steps(route, request))
    assert done.value.value[0] == 429
