"""The edge's decisions, sans-io: refusals, trusted proxies, client addresses, origins."""

from __future__ import annotations

import json

import pytest
from werkzeug.datastructures import Headers

from entrypoints.common.edge import (
    BAD_REQUEST,
    FORWARDED_ENVIRON_KEYS,
    FORWARDED_FAMILIES,
    FORWARDED_HEADERS,
    HEADERS_TOO_LARGE,
    MAX_REQUEST_LINE,
    ORIGIN_NOT_ALLOWED,
    PAYLOAD_TOO_LARGE,
    REQUEST_LINE_TOO_LONG,
    EdgePolicy,
    ScopeHeaders,
    TrustedProxies,
    client_address,
    decided_at_the_edge,
    is_socket_path,
    joined_header,
    last_value,
    normalize_address,
    origin_refused,
    proxied_scheme_and_host,
    request_line_too_long,
    socket_client_address,
)
from entrypoints.common.errors import STATUS, TransportCode
from entrypoints.common.settings import FORWARDED_FAMILIES as SETTINGS_FAMILIES
from entrypoints.common.settings import Settings
from entrypoints.common.shapes import JSON_HEADERS

REFUSALS = [
    BAD_REQUEST,
    PAYLOAD_TOO_LARGE,
    REQUEST_LINE_TOO_LONG,
    HEADERS_TOO_LARGE,
    ORIGIN_NOT_ALLOWED,
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: str(r.status))
def test_every_refusal_is_our_json_with_the_table_status(refusal) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(refusal.body)
    assert set(body) == {"error", "code"} and body["error"]
    assert STATUS[TransportCode(body["code"])] == refusal.status
    assert dict(refusal.headers) == {**JSON_HEADERS, "Content-Length": str(len(refusal.body))}
    head, _, sent_body = refusal.response.partition(b"\r\n\r\n")
    assert sent_body == refusal.body
    lines = head.decode().split("\r\n")
    assert lines[0] == f"HTTP/1.1 {refusal.status_line}"
    assert "Connection: close" in lines
    assert all(f"{name}: {value}" in lines for name, value in JSON_HEADERS.items())


def test_the_codes_are_the_ones_the_issue_names() -> None:
    assert (HEADERS_TOO_LARGE.status, json.loads(HEADERS_TOO_LARGE.body)["code"]) == (
        431,
        "headers_too_large",
    )
    assert REQUEST_LINE_TOO_LONG.status == 414
    assert json.loads(ORIGIN_NOT_ALLOWED.body)["code"] == "origin_not_allowed"
    assert ORIGIN_NOT_ALLOWED.status == 403


def test_request_line_bound_matches_a_line_shorter_than_8_kib() -> None:
    # "GET " + target + " HTTP/1.1\r\n" must stay under MAX_REQUEST_LINE bytes.
    longest = MAX_REQUEST_LINE - 1 - len("GET ") - len(" HTTP/1.1\r\n")
    assert not request_line_too_long(3, longest)
    assert request_line_too_long(3, longest + 1)
    assert request_line_too_long(len("OPTIONS"), longest)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1", "10.0.0.1"),
        (" 10.0.0.1 ", "10.0.0.1"),
        ("10.0.0.1:8080", "10.0.0.1"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("[::ffff:192.0.2.7]:443", "192.0.2.7"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("unknown", None),
        ("", None),
        ("_hidden", None),
    ],
)
def test_addresses_are_normalized(text: str, expected: str | None) -> None:
    address = normalize_address(text)
    assert (str(address) if address is not None else None) == expected


def test_nobody_is_trusted_by_default() -> None:
    trusted = TrustedProxies()
    assert not trusted
    assert not trusted.trusts("127.0.0.1")
    assert not TrustedProxies(Settings().trusted_proxies)


def test_trusted_proxies_are_addresses_and_networks() -> None:
    trusted = TrustedProxies(["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"])
    assert trusted.trusts("127.0.0.1")
    assert trusted.trusts("::ffff:127.0.0.1")
    assert trusted.trusts("10.20.30.40")
    assert trusted.trusts("2001:db8::5")
    assert not trusted.trusts("127.0.0.2")
    assert not trusted.trusts("192.0.2.1")
    assert not trusted.trusts(None)
    assert not trusted.trusts("not an address")


def test_client_address_without_trusted_proxies_is_the_peer() -> None:
    headers = {"x-forwarded-for": "203.0.113.9"}
    assert client_address("192.0.2.1", headers, TrustedProxies()) == "192.0.2.1"
    assert client_address("::ffff:192.0.2.1", headers, TrustedProxies()) == "192.0.2.1"


def test_client_address_is_the_right_most_hop_not_a_trusted_proxy() -> None:
    trusted = TrustedProxies(["10.0.0.0/8"])
    # The client can write anything on the left; only what our proxies appended counts.
    headers = {"x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.2"}
    assert client_address("10.0.0.1", headers, trusted) == "203.0.113.9"
    # An untrusted peer's header is not read at all.
    assert client_address("192.0.2.1", headers, trusted) == "192.0.2.1"
    # Every hop trusted: the left-most one is the best we know.
    assert client_address("10.0.0.1", {"x-forwarded-for": "10.1.1.1"}, trusted) == "10.1.1.1"
    # No header from a trusted proxy: the proxy itself.
    assert client_address("10.0.0.1", {}, trusted) == "10.0.0.1"


def test_client_address_normalizes_and_stops_at_garbage() -> None:
    trusted = TrustedProxies(["10.0.0.0/8"])
    mapped = {"x-forwarded-for": "[::ffff:203.0.113.9]:5000"}
    assert client_address("10.0.0.1", mapped, trusted) == "203.0.113.9"
    garbage = {"x-forwarded-for": "203.0.113.9, unknown"}
    assert client_address("10.0.0.1", garbage, trusted) == "10.0.0.1"
    v6 = {"x-forwarded-for": "2001:DB8::7"}
    assert client_address("10.0.0.1", v6, trusted) == "2001:db8::7"


def test_client_address_reads_rfc_7239_forwarded_from_a_trusted_proxy_only() -> None:
    trusted = TrustedProxies(["10.0.0.0/8"], "forwarded")
    forwarded = {
        "forwarded": 'for=198.51.100.1;proto=https, for="[2001:db8::7]:4711", for=10.0.0.2'
    }
    assert client_address("10.0.0.1", forwarded, trusted) == "2001:db8::7"
    assert client_address("192.0.2.1", forwarded, trusted) == "192.0.2.1"
    # An obfuscated or unknown node is not an address: the walk stops before it.
    hidden = {"forwarded": "for=_hidden, for=203.0.113.9"}
    assert client_address("10.0.0.1", hidden, trusted) == "203.0.113.9"
    assert client_address("10.0.0.1", {"forwarded": "for=unknown"}, trusted) == "10.0.0.1"
    # Without `for=`, an element names no one.
    assert client_address("10.0.0.1", {"forwarded": "proto=https"}, trusted) == "10.0.0.1"
    # A client's unclosed quote does not swallow the element its proxy appended.
    unclosed = {"forwarded": 'for="198.51.100.1, for=203.0.113.9'}
    assert client_address("10.0.0.1", unclosed, trusted) == "203.0.113.9"
    quoted = {"forwarded": 'for="203.0.113.9";by="\\"x\\""'}
    assert client_address("10.0.0.1", quoted, trusted) == "203.0.113.9"


def test_only_the_configured_family_of_forwarded_headers_is_read() -> None:
    # A proxy that writes only Forwarded relays the client's own X-Forwarded-For.
    both = {"x-forwarded-for": "203.0.113.1", "forwarded": "for=203.0.113.2"}
    by_default = TrustedProxies(["10.0.0.0/8"])
    assert by_default.header == "x-forwarded-for"
    assert client_address("10.0.0.1", both, by_default) == "203.0.113.1"
    assert client_address("10.0.0.1", {"forwarded": "for=203.0.113.2"}, by_default) == "10.0.0.1"
    forwarded = TrustedProxies(["10.0.0.0/8"], "forwarded")
    assert client_address("10.0.0.1", both, forwarded) == "203.0.113.2"
    assert client_address("10.0.0.1", {"x-forwarded-for": "203.0.113.1"}, forwarded) == "10.0.0.1"
    # What the edge removes even from a trusted proxy: the other family.
    assert by_default.ignored == {b"forwarded"}
    assert by_default.ignored_environ_keys == ("HTTP_FORWARDED",)
    assert forwarded.ignored == FORWARDED_HEADERS - {b"forwarded"}
    assert set(forwarded.ignored_environ_keys) == set(FORWARDED_ENVIRON_KEYS) - {"HTTP_FORWARDED"}
    assert set(FORWARDED_FAMILIES) == set(SETTINGS_FAMILIES)


@pytest.mark.parametrize("family", ["x-forwarded-for", "forwarded"])
def test_repeated_lines_are_joined_in_order_and_the_right_most_hop_counts(family: str) -> None:
    """A proxy that adds its own line instead of appending: the client's first line must not
    win, whichever way the runtime hands the lines over."""
    trusted = TrustedProxies(["127.0.0.1"], family)
    mine, real = "198.51.100.7", "192.0.2.9"
    if family == "forwarded":
        mine, real = f"for={mine}", f'for="{real}:4711"'
    name = {"x-forwarded-for": "X-Forwarded-For", "forwarded": "Forwarded"}[family]
    lines = [(name, mine), ("Accept", "*/*"), (name.lower(), real)]
    # Quart's request headers (werkzeug's multi-dict): one entry per line.
    assert client_address("127.0.0.1", Headers(lines), trusted) == "192.0.2.9"
    # A WSGI environ's view (the server joined the lines with commas).
    assert client_address("127.0.0.1", {name: f"{mine},{real}"}, trusted) == "192.0.2.9"
    # An ASGI scope's raw lines, as a socket on the ASGI runtime sees them.
    raw = [(n.lower().encode(), v.encode()) for n, v in lines]
    assert client_address("127.0.0.1", ScopeHeaders(raw), trusted) == "192.0.2.9"
    asgi = {"asgi.scope": {"client": ("127.0.0.1", 5000), "headers": raw}}
    assert socket_client_address(asgi, trusted) == "192.0.2.9"
    assert joined_header(Headers(lines), family) == f"{mine}, {real}"


def test_scope_headers_are_a_case_insensitive_mapping_of_every_line() -> None:
    scope = ScopeHeaders([(b"x-forwarded-for", b"a"), (b"host", b"h"), (b"x-forwarded-for", b"b")])
    assert scope.getlist("X-Forwarded-For") == ["a", "b"]
    assert scope["HOST"] == "h" and scope.get("origin") is None
    assert list(scope) == ["x-forwarded-for", "host"] and len(scope) == 2


def test_a_sockets_client_address_reads_its_environ_or_its_asgi_scope() -> None:
    trusted = TrustedProxies(["127.0.0.1"])
    wsgi = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.9.9.9, 198.51.100.7"}
    assert socket_client_address(wsgi, trusted) == "198.51.100.7"
    assert socket_client_address(wsgi, TrustedProxies()) == "127.0.0.1"
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=198.51.100.7"}
    assert socket_client_address(forwarded, TrustedProxies(["127.0.0.1"], "forwarded")) == (
        "198.51.100.7"
    )
    # On ASGI the scope's lines count, not engine.io's environ keys, into which it folds
    # `X_Forwarded_For` (the edge drops that line from the scope).
    asgi = {
        "asgi.scope": {
            "client": ("127.0.0.1", 5000),
            "headers": [(b"x-forwarded-for", b"192.0.2.4")],
        },
        "HTTP_X_FORWARDED_FOR": "192.0.2.4,198.51.100.66",
    }
    assert socket_client_address(asgi, trusted) == "192.0.2.4"


def test_the_scheme_and_host_a_trusted_proxy_reports_come_from_the_family_that_counts() -> None:
    x_family, forwarded = (
        TrustedProxies(["10.0.0.0/8"]),
        TrustedProxies(["10.0.0.0/8"], "forwarded"),
    )
    element = (
        'for=192.0.2.1;proto=http;host=evil.example, for=10.0.0.2;proto=https;host="chat.example"'
    )
    assert proxied_scheme_and_host(x_family, "https", "chat.example", element) == (
        "https",
        "chat.example",
    )
    assert proxied_scheme_and_host(forwarded, "http", "evil.example", element) == (
        "https",
        "chat.example",
    )
    assert proxied_scheme_and_host(forwarded, None, None, "for=10.0.0.2") == (None, None)
    assert proxied_scheme_and_host(forwarded, "https", "x.example", None) == (None, None)


def test_the_forwarded_names_cover_wsgi_keys() -> None:
    assert set(FORWARDED_ENVIRON_KEYS) == {
        "HTTP_FORWARDED",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_FORWARDED_HOST",
        "HTTP_X_FORWARDED_PORT",
        "HTTP_X_FORWARDED_PROTO",
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/socket.io/", True), ("/socket.io", True), ("/socket.iox", False), ("/room/create", False)],
)
def test_socket_paths(path: str, expected: bool) -> None:
    assert is_socket_path(path) is expected


def test_origin_is_same_origin_or_configured() -> None:
    allowed = ("https://app.example",)
    host = "chat.example:8443"
    assert not origin_refused(allowed, "http://chat.example:8443", "http", host)
    assert not origin_refused(allowed, "https://app.example", "http", host)
    assert origin_refused(allowed, "https://chat.example:8443", "http", host)
    assert origin_refused(allowed, "http://evil.example", "http", host)
    assert origin_refused(allowed, "null", "http", host)


def test_forwarded_scheme_and_host_stand_for_the_clients() -> None:
    # Passed only for a trusted proxy's request; the nearest proxy's entry counts.
    assert not origin_refused(
        (), "https://chat.example", "http", "internal:8000", "https", "chat.example"
    )
    assert not origin_refused((), "https://internal:8000", "http", "internal:8000", "http, https")
    assert origin_refused((), "http://internal:8000", "http", "internal:8000", "https")
    assert last_value(" a, b ,c ") == "c"
    assert last_value("") is None and last_value(None) is None


def test_engineio_defers_to_the_edge() -> None:
    assert decided_at_the_edge("http://anything.example", {}) is True


def test_policy_from_settings() -> None:
    settings = Settings(
        max_header_bytes=4096,
        max_header_count=20,
        max_request_bytes=2048,
        max_message_bytes=1024,
        cors_origins=("https://a.example",),
        trusted_proxies=("127.0.0.1",),
        forwarded_header="forwarded",
    )
    policy = EdgePolicy.from_settings(settings)
    assert (policy.max_head_bytes, policy.max_header_count, policy.max_body_bytes) == (
        4096,
        20,
        2048,
    )
    assert policy.cors_origins == ("https://a.example",)
    assert policy.trusted.trusts("127.0.0.1")
    assert policy.trusted.header == "forwarded"


# What a client may write in the line its proxy then follows with its own: nothing in it
# (commas, quotes left open, trusted addresses, garbage) may change whom the proxy names.
HOSTILE_CLIENT_LINES = [
    "198.51.100.7",
    "198.51.100.7, 198.51.100.8",
    "127.0.0.1",
    "10.0.0.3, 127.0.0.1,",
    "",
    " , ,",
    "unknown",
    '"',
    'for="198.51.100.7',
    'for="198.51.100.7, for=198.51.100.8";',
    "for=198.51.100.7;for=127.0.0.1",
    'for="[2001:db8::1]:80", for=_hidden',
    "[::ffff:198.51.100.7]:1",
    "x" * 2000,
    "198.51.100.7\t,\t198.51.100.9",
]


@pytest.mark.parametrize("family", ["x-forwarded-for", "forwarded"])
@pytest.mark.parametrize("client_line", HOSTILE_CLIENT_LINES)
def test_nothing_a_client_writes_before_its_proxys_line_decides_its_address(
    family: str, client_line: str
) -> None:
    trusted = TrustedProxies(["127.0.0.1", "10.0.0.0/8"], family)
    real = "192.0.2.9" if family == "x-forwarded-for" else "for=192.0.2.9"
    name = "X-Forwarded-For" if family == "x-forwarded-for" else "Forwarded"
    other = "Forwarded" if family == "x-forwarded-for" else "X-Forwarded-For"
    lines = [(name, client_line), (other, client_line), (name, real)]
    assert client_address("127.0.0.1", Headers(lines), trusted) == "192.0.2.9"
    raw = [(n.lower().encode(), v.encode()) for n, v in lines]
    assert client_address("127.0.0.1", ScopeHeaders(raw), trusted) == "192.0.2.9"
    # pywsgi's join, as a WSGI environ hands it over (the other family removed by the edge).
    assert client_address("127.0.0.1", {name: f"{client_line},{real}"}, trusted) == "192.0.2.9"
    # Appended by a second trusted proxy (10.0.0.3) behind the first: still the same client.
    chained = Headers(
        [*lines, (name, "10.0.0.3" if family == "x-forwarded-for" else "for=10.0.0.3")]
    )
    assert client_address("127.0.0.1", chained, trusted) == "192.0.2.9"
