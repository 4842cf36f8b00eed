"""Route limits: parsed from SECURECHAT_RATE_LIMITS, keyed by address (IPv6 by /64) and
path, and counted before a route's view runs, so a refused guess costs no hash."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import Headers

from adapters.limits.memory import MemoryRateLimiter
from domain.usecases.create_room import create_room
from entrypoints.common.bootstrap import Core
from entrypoints.common.edge import address_key
from entrypoints.common.http_api import ROUTES, HttpRequest
from entrypoints.common.limits import DEFAULT_RATE_LIMITS, parse_rate_limits
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings, SettingsError
from entrypoints.common.steps import Call, Effect, drive
from tests.support import World

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
