"""The edge: what a request's head may hold, whom to believe about forwarding, who may open
a socket. Sans-io: each runtime asks these questions before any framework or engine.io sees
the request, and sends the same prepared refusal.

- Head: the request line is shorter than ``MAX_REQUEST_LINE``; request line and headers
  together take at most ``max_head_bytes`` (SECURECHAT_MAX_HEADER_BYTES) in at most
  ``max_header_count`` lines (SECURECHAT_MAX_HEADER_COUNT). Beyond: 414 or 431, then close.
- Forwarding: X-Forwarded-* and Forwarded count only from SECURECHAT_TRUSTED_PROXIES; from
  anyone else they are removed from the request.
- Origin: a /socket.io/ request with an Origin must come from this server's own origin or a
  configured one (SECURECHAT_CORS_ORIGINS), for polling and WebSocket alike.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from entrypoints.common.cors import origin_allowed
from entrypoints.common.errors import TransportCode, error_body, render_http_status
from entrypoints.common.settings import Settings
from entrypoints.common.shapes import JSON_HEADERS, encode_json

MAX_REQUEST_LINE = 8192
"""A request line, CRLF included, must be shorter than this: gevent's pywsgi bound, kept on
both runtimes so that they agree."""

_VERSION_AND_CRLF = len(" HTTP/1.1\r\n")

FORWARDED_HEADERS = frozenset(
    {
        b"forwarded",
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-port",
        b"x-forwarded-proto",
    }
)
"""Header names (lower case) that only a trusted proxy may send."""

FORWARDED_ENVIRON_KEYS = tuple(
    "HTTP_" + name.decode().upper().replace("-", "_") for name in sorted(FORWARDED_HEADERS)
)

SOCKET_PATH = "/socket.io"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refusal, prepared once: status, JSON body and the whole HTTP/1.1 response."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    response: bytes  # for the servers' own writes; ends with "Connection: close"

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def refusal(code: TransportCode, message: str, status: int) -> Refusal:
    body = encode_json(error_body(code, message))
    headers = (*JSON_HEADERS.items(), ("Content-Length", str(len(body))))
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    head += [f"{name}: {value}" for name, value in headers]
    head += ["Connection: close", "", ""]
    return Refusal(status, body, headers, "\r\n".join(head).encode("latin-1") + body)


def refusal_for_status(status: int) -> Refusal:
    """A server-level HTTP error (400, 413, 414, 431) in our error shape."""
    status, body = render_http_status(status)
    return refusal(TransportCode(body["code"]), body["error"], status)


BAD_REQUEST = refusal_for_status(400)
PAYLOAD_TOO_LARGE = refusal_for_status(413)
REQUEST_LINE_TOO_LONG = refusal_for_status(414)
HEADERS_TOO_LARGE = refusal_for_status(431)
ORIGIN_NOT_ALLOWED = refusal(
    TransportCode.ORIGIN_NOT_ALLOWED, "this origin may not open a socket", 403
)


def request_line_too_long(method_bytes: int, target_bytes: int) -> bool:
    """Whether "METHOD TARGET HTTP/1.1\\r\\n" reaches MAX_REQUEST_LINE."""
    return method_bytes + 1 + target_bytes + _VERSION_AND_CRLF >= MAX_REQUEST_LINE


# Peers and clients repeat (keep-alive, a proxy, a guesser): parsing an address costs more
# than a request's whole limit check, so each answer is remembered (a bounded cache).
@functools.lru_cache(maxsize=4096)
def normalize_address(text: str) -> IpAddress | None:
    """An IP address from a peer or X-Forwarded-For entry ("[v6]:port", "v4:port" allowed);
    ::ffff:a.b.c.d is a.b.c.d. None when it is not an address."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    """The peers whose forwarded headers count (SECURECHAT_TRUSTED_PROXIES); none by default."""

    __slots__ = ("networks", "trusts")
    networks: tuple[IpNetwork, ...]
    trusts: Callable[[str | None], bool]
    """Whether forwarded headers from this peer address count."""

    def __init__(self, specs: Iterable[str] = ()) -> None:
        self.networks = tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs)
        # Peers repeat (one proxy, keep-alive clients): remember the answer per address text.
        self.trusts = functools.lru_cache(maxsize=1024)(self._trusts)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def contains(self, address: IpAddress) -> bool:
        return any(address in network for network in self.networks)

    def _trusts(self, peer: str | None) -> bool:
        if not self.networks or not peer:
            return False
        address = normalize_address(peer)
        return address is not None and self.contains(address)


def last_value(value: str | None) -> str | None:
    """The entry the nearest proxy added to a comma-separated forwarded header."""
    if not value:
        return None
    return value.rpartition(",")[2].strip() or None


def client_address(peer: str, headers: Mapping[str, str], trusted: TrustedProxies) -> str:
    """The client's address: the right-most forwarded hop that is not a trusted proxy,
    walking left only from a trusted peer. The hops are X-Forwarded-For's, or, without it,
    the `for=` of RFC 7239's Forwarded. `headers` is case-insensitive."""
    here = normalize_address(peer)
    if here is None:
        return peer
    hops = forwarded_hops(headers) if trusted.contains(here) else []
    for hop in reversed(hops):
        address = normalize_address(hop)
        if address is None:  # a trusted proxy passed on garbage: it is the last we know
            break
        here = address
        if not trusted.contains(here):
            break
    return str(here)


def forwarded_hops(headers: Mapping[str, str]) -> list[str]:
    """The client addresses a proxy chain reported, left to right: X-Forwarded-For's
    entries, else the `for=` parameters of Forwarded (quotes and brackets kept for
    `normalize_address`, which takes "[v6]:port"; "unknown" and obfuscated names are not
    addresses, and stop the walk)."""
    forwarded_for = headers.get("x-forwarded-for")
    if forwarded_for:
        return forwarded_for.split(",")
    forwarded = headers.get("forwarded")
    if not forwarded:
        return []
    hops = []
    for element in forwarded.split(","):
        value = ""
        for pair in element.split(";"):
            name, _, raw = pair.strip().partition("=")
            if name.strip().lower() == "for":
                value = raw.strip().strip('"')
        hops.append(value)
    return hops


def socket_client_address(environ: Mapping[str, Any], trusted: TrustedProxies) -> str:
    """`client_address` of a Socket.IO connection, from the environ engine.io gives its
    connect handler: a WSGI one (REMOTE_ADDR), or its ASGI driver's, whose REMOTE_ADDR is
    a placeholder and whose peer is the ASGI scope's `client`. Forwarded headers reach it
    only from a trusted proxy (the edge removed them from anyone else)."""
    scope = environ.get("asgi.scope")
    if isinstance(scope, Mapping):
        client = scope.get("client")
        peer = str(client[0]) if client else ""
    else:
        peer = str(environ.get("REMOTE_ADDR") or "")
    headers = {
        name: value
        for name, key in (
            ("x-forwarded-for", "HTTP_X_FORWARDED_FOR"),
            ("forwarded", "HTTP_FORWARDED"),
        )
        if isinstance(value := environ.get(key), str)
    }
    return client_address(peer, headers, trusted)


@functools.lru_cache(maxsize=4096)
def address_key(client: str) -> str:
    """What rate limits count a client by: its address, an IPv6 one by its /64 (which one
    subscriber usually holds whole)."""
    address = normalize_address(client)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address) if address is not None else client


def is_socket_path(path: str) -> bool:
    return path.startswith(SOCKET_PATH) and path[len(SOCKET_PATH) : len(SOCKET_PATH) + 1] in (
        "",
        "/",
    )


def origin_refused(
    allowed: tuple[str, ...],
    origin: str,
    scheme: str,
    host: str,
    forwarded_proto: str | None = None,
    forwarded_host: str | None = None,
) -> bool:
    """Whether a socket request from `origin` is refused. The forwarded values are passed only
    for a trusted proxy's request; they then stand for the scheme and host the client used."""
    scheme = last_value(forwarded_proto) or scheme
    host = last_value(forwarded_host) or host
    return not origin_allowed(allowed, origin, scheme, host)


def decided_at_the_edge(_origin: str | None, _environ: Mapping[str, Any]) -> bool:
    """engine.io's cors_allowed_origins: the edge has already refused any other origin."""
    return True


@dataclass(frozen=True, slots=True)
class EdgePolicy:
    max_head_bytes: int
    max_header_count: int
    max_body_bytes: int
    cors_origins: tuple[str, ...]
    trusted: TrustedProxies

    @classmethod
    def from_settings(cls, settings: Settings) -> EdgePolicy:
        return cls(
            max_head_bytes=settings.max_header_bytes,
            max_header_count=settings.max_header_count,
            max_body_bytes=settings.max_request_bytes,
            cors_origins=settings.cors_origins,
            trusted=TrustedProxies(settings.trusted_proxies),
        )
