"""The one admission rule: a password attempt is decided from the decoded input, however its
JSON is spelled (escapes, key order, whitespace), a key named twice is refused, the per-room
budget of a route naming its room in the body is that room's, and only an attempt that
will cost a hash counts on the room's ceiling, past which each address prefix has its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

from adapters.limits.memory import MemoryRateLimiter
from domain.model.rooms import PASSWORD_MAX_CHARS, worth_hashing
from domain.usecases.create_room import create_room
from entrypoints.common.admission import Admission, admit_route, count, prefix_key
from entrypoints.common.bootstrap import Core
from entrypoints.common.errors import RequestError, TransportCode
from entrypoints.common.http_types import HttpRequest, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.routes import ROUTES
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.steps import Call, Effect, drive
from tests.support import World

PASSWORD = "correct horse battery"  # noqa: S105 - test data
ADMIN_PASSWORD = "the admins' own one"  # noqa: S105 - test data
BY_ENDPOINT = {route.endpoint: route for route in ROUTES}
# Every route that may verify a password: an admin password in place of a token, or the
# room's password.
PASSWORD_ROUTES = tuple(r for r in ROUTES if r.password_field or r.room_password_field)
JSON = Headers({"Content-Type": "application/json"})


def _request(route: Route, body: bytes, client: str = "192.0.2.1") -> HttpRequest:
    params = {name: "lobby" for name in ("room_id",) if f"<{name}>" in route.rule}
    if "<message_id>" in route.rule:
        params["message_id"] = "m"
    return HttpRequest(route.method, params, {}, JSON, body, client, client)


def test_every_admin_route_with_a_password_field_and_both_room_password_routes_are_here() -> None:
    names = {route.endpoint for route in PASSWORD_ROUTES}
    assert {"verify_room", "join_room", "clear_history", "delete_room", "verify_ip"} <= names
    assert {"revoke_ip", "update_settings", "rotate_admin_token", "kick_member"} <= names


# -- any spelling of a body with a password field is an attempt ----------------------------

_WS = st.text(alphabet=" \t\r\n", max_size=3)


@st.composite
def _key(draw: st.DrawFn, name: str) -> str:
    """A JSON string literal of `name`, each character as itself or escaped (either case)."""
    out = []
    for char in name:
        how = draw(st.sampled_from(("plain", "lower", "upper", "solidus")))
        if how == "plain":
            out.append(char)
        elif how == "solidus" and char == "/":
            out.append("\\/")
        else:
            escaped = f"\\u{ord(char):04x}"
            out.append(escaped.upper().replace("\\U", "\\u") if how == "upper" else escaped)
    return '"' + "".join(out) + '"'


def _surrogates(value: object) -> bool:
    """A string holding lone surrogates, which only an escape can spell in UTF-8 JSON."""
    return isinstance(value, str) and any(0xD800 <= ord(char) <= 0xDFFF for char in value)


@st.composite
def _spelled(draw: st.DrawFn, fields: dict[str, Any]) -> bytes:
    """One JSON spelling of an object: any key order, escapes, whitespace."""
    names = draw(st.permutations(list(fields)))
    members = [
        draw(_WS)
        + draw(_key(name))
        + draw(_WS)
        + ":"
        + draw(_WS)
        + json.dumps(fields[name], ensure_ascii=draw(st.booleans()) or _surrogates(fields[name]))
        + draw(_WS)
        for name in names
    ]
    return ("{" + ",".join(members) + draw(_WS) + "}").encode("utf-8", "surrogatepass")


_GUESS = st.text(max_size=300) | st.text(alphabet="ab", min_size=250, max_size=300)
_OTHERS = st.dictionaries(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_/", min_size=1, max_size=12),
    st.text(max_size=8) | st.integers() | st.none(),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(route=st.sampled_from(PASSWORD_ROUTES), guess=_GUESS, others=_OTHERS, data=st.data())
def test_any_spelling_of_a_body_with_a_password_field_is_a_password_attempt(
    route: Route, guess: str, others: dict[str, Any], data: st.DataObject
) -> None:
    field = route.password_field or route.room_password_field
    assert field is not None
    fields = {**others, "room_id": "lobby", field: guess}
    body = data.draw(_spelled(fields))
    admission = admit_route(route, _request(route, body))
    assert admission.password_attempt and admission.lane is Lane.PASSWORD
    rules = [rule for rule, _ in admission.checks]
    assert "password_ip" in rules and ("password_room_ip", ("lobby", "192.0.2.1")) in (
        admission.checks
    )
    assert admission.decoded == fields  # decoded once, handed on to the route's guard
    # Room-wide only when it will cost a hash.
    assert (admission.hashed is not None) is worth_hashing(guess)


@settings(max_examples=200, deadline=None)
@given(route=st.sampled_from(PASSWORD_ROUTES), guess=st.text(max_size=20), data=st.data())
def test_a_body_that_names_a_key_twice_is_refused_however_spelled(
    route: Route, guess: str, data: st.DataObject
) -> None:
    field = route.password_field or route.room_password_field
    assert field is not None
    body = data.draw(_spelled({field: guess}))
    twice = body[:-1] + b"," + data.draw(_key(field)).encode() + b': "another one"}'
    admission = admit_route(route, _request(route, twice))
    assert isinstance(admission.decoded, RequestError)
    assert admission.decoded.code is TransportCode.INVALID_JSON
    assert admission.hashed is None  # nothing will be hashed: refused before


def test_an_admin_body_without_the_field_is_no_attempt_and_keeps_its_lane() -> None:
    route = BY_ENDPOINT["kick_member"]
    admission = admit_route(route, _request(route, b'{"user_id": "g_x"}'))
    assert admission == Admission(route.lane, decoded={"user_id": "g_x"})
    # Not JSON: no attempt either (it is refused, after the token check, and hashes nothing).
    broken = admit_route(route, _request(route, b'{"admin_password": '))
    assert not broken.password_attempt and isinstance(broken.decoded, RequestError)


def test_a_send_is_not_decoded_here() -> None:
    route = BY_ENDPOINT["post_message"]
    admission = admit_route(route, _request(route, b'{"message": "hi"}'))
    assert admission.decoded is None and admission.lane is Lane.INLINE


# -- which room, and what counts on it -------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["delete_room", "verify_ip", "revoke_ip"])
def test_a_route_naming_its_room_in_the_body_counts_under_that_rooms_budget(
    endpoint: str,
) -> None:
    route = BY_ENDPOINT[endpoint]
    body = json.dumps({"room_id": "other", "ip": "10.0.0.0/24", "admin_password": "guess"})
    admission = admit_route(route, _request(route, body.encode()))
    assert ("password_room_ip", ("other", "192.0.2.1")) in admission.checks
    assert admission.hashed is not None and admission.hashed[0] == ("password_room", ("other",))


def test_a_guess_no_password_could_equal_counts_per_address_only() -> None:
    route = BY_ENDPOINT["verify_room"]
    for guess in ("x" * (PASSWORD_MAX_CHARS + 1), "\ud800", 5, None):
        admission = admit_route(route, _request(route, json.dumps({"password": guess}).encode()))
        assert admission.password_attempt and admission.hashed is None, guess
    # No password at all (an `allow` room's verified address): per address, nothing hashed.
    assert admit_route(route, _request(route, b"{}")).hashed is None


@pytest.mark.parametrize(
    ("client", "prefix"),
    [
        ("192.0.2.77", "192.0.2.0/24"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", "not an address"),
    ],
)
def test_a_room_past_its_ceiling_counts_by_ipv4_24_and_ipv6_48(client: str, prefix: str) -> None:
    assert prefix_key(client) == prefix


def test_past_the_ceiling_each_prefix_has_its_own_budget_on_the_room() -> None:
    rules = {"password_room": "2/minute", "password_room_prefix": "1/minute"}
    limiter = MemoryRateLimiter({"password_room_ip": "100/minute", **rules})
    route = BY_ENDPOINT["verify_room"]

    def attempt(client: str, guess: str = "a wrong guess") -> float:
        body = json.dumps({"password": guess}).encode()
        return count(limiter, admit_route(route, _request(route, body, client)))

    # Refused before hashing: never on the room's ceiling, however many.
    for _ in range(20):
        assert attempt("203.0.113.1", "x" * 300) == 0.0
    assert attempt("203.0.113.1") == attempt("203.0.113.2") == 0.0  # the ceiling: 2
    assert attempt("203.0.113.3") == 0.0  # past it: this /24's one
    assert attempt("203.0.113.4") > 0  # the same /24: refused
    assert attempt("198.51.100.1") == 0.0  # a newcomer from elsewhere still gets in
    assert attempt("198.51.100.1", "x" * 300) == 0.0  # no hash: still not counted there


# -- through the server's steps --------------------------------------------------------------


def _clear(base: ServerBase, body: bytes, lanes: list[Lane]) -> int:
    route = BY_ENDPOINT["clear_history"]

    def perform(effect: Effect) -> Any:
        if isinstance(effect, Call):
            lanes.append(effect.lane)
            return effect.fn(*effect.args)
        return None

    status, _, _ = drive(base.view_steps(route, _request(route, body)), perform)
    return int(status)


def test_an_escaped_admin_password_key_is_limited_and_hashed_in_the_password_lane(
    world: World,
) -> None:
    create_room(world.deps, "lobby", PASSWORD, ADMIN_PASSWORD)
    limiter = MemoryRateLimiter({"password_room_ip": "2/minute"})
    base = ServerBase(Settings(), Core(Settings(), world.deps, limiter=limiter))
    lanes: list[Lane] = []
    escaped = b'{"admin_passwor\\u0064": "a wrong guess"}'
    assert [_clear(base, escaped, lanes) for _ in range(2)] == [401, 401]
    assert lanes == [Lane.PASSWORD, Lane.PASSWORD]
    hashed = world.hasher.verify_calls
    right = json.dumps({"admin_password": ADMIN_PASSWORD}).encode()
    assert _clear(base, right, lanes) == 429  # the plain key: the same budget, spent
    assert world.hasher.verify_calls == hashed
    twice = b'{"admin_password": "x", "admin_passwor\\u0064": "y"}'
    assert _clear(base, twice, lanes) == 400  # named twice: refused (and not counted)
