"""The edge: what a request's head may hold, whom to believe about forwarding, who may open
a socket. Sans-io: each runtime asks these questions before any framework or engine.io sees
the request, and sends the same prepared refusal.

- Head: the request line is shorter than ``MAX_REQUEST_LINE``; request line and headers
  together take at most ``max_head_bytes`` (SECURECHAT_MAX_HEADER_BYTES) in at most
  ``max_header_count`` lines (SECURECHAT_MAX_HEADER_COUNT). Beyond: 414 or 431, then close.
- Forwarding: X-Forwarded-* and Forwarded count only from SECURECHAT_TRUSTED_PROXIES; from
  anyone else they are removed from the request. Only one family counts
  (SECURECHAT_FORWARDED_HEADER: X-Forwarded-* or Forwarded); the other is removed even from a
  trusted proxy, which may relay a client's copy. Repeated lines are joined in order (RFC 9110)
  and the client is the right-most hop that is not a trusted proxy (`client_address`, the one
  decision for both runtimes, REST and sockets). Header names with an underscore are dropped
  (gevent's pywsgi does; the ASGI edge does the same), so `X_Forwarded_For` never passes for
  `X-Forwarded-For` in a WSGI-style environ.
- Origin: a /socket.io/ request with an Origin must come from this server's own origin or a
  configured one (SECURECHAT_CORS_ORIGINS), for polling and WebSocket alike.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol, cast

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

FORWARDED_FAMILIES: Mapping[str, frozenset[bytes]] = {
    "x-forwarded-for": FORWARDED_HEADERS - {b"forwarded"},
    "forwarded": frozenset({b"forwarded"}),
}
"""SECURECHAT_FORWARDED_HEADER's values: the header names of the family that counts."""


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


def _environ_key(name: bytes) -> str:
    return "HTTP_" + name.decode().upper().replace("-", "_")


FORWARDED_ENVIRON_KEYS = tuple(_environ_key(name) for name in sorted(FORWARDED_HEADERS))


class TrustedProxies:
    """The peers whose forwarded headers count (SECURECHAT_TRUSTED_PROXIES, none by default),
    and which family of headers counts from them (SECURECHAT_FORWARDED_HEADER)."""

    __slots__ = ("header", "ignored", "ignored_environ_keys", "networks", "trusts")
    networks: tuple[IpNetwork, ...]
    header: str
    """"x-forwarded-for" (X-Forwarded-For, -Proto, -Host) or "forwarded" (RFC 7239)."""
    ignored: frozenset[bytes]
    """The other family's header names: removed from every request, a trusted proxy's too."""
    ignored_environ_keys: tuple[str, ...]
    trusts: Callable[[str | None], bool]
    """Whether forwarded headers from this peer address count."""

    def __init__(self, specs: Iterable[str] = (), header: str = "x-forwarded-for") -> None:
        self.networks = tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs)
        self.header = header
        self.ignored = FORWARDED_HEADERS - FORWARDED_FAMILIES[header]
        self.ignored_environ_keys = tuple(_environ_key(name) for name in sorted(self.ignored))
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


class RequestHeaders(Protocol):
    """What common reads of a request's headers: werkzeug's `Headers` (both runtimes'
    requests), `ScopeHeaders`, a plain dict."""

    def get(self, key: str) -> str | None: ...
    def __contains__(self, key: str) -> bool: ...
    def __getitem__(self, key: str) -> str: ...
    def items(self) -> Iterable[tuple[str, str]]: ...


def header_lines(headers: RequestHeaders, name: str) -> list[str]:
    """Every line of header `name` (lower case), in the order received: a multi-dict's
    `getlist`, or a plain mapping's one (joined) line."""
    # werkzeug's Headers, and what Quart builds from ASGI's list, have one entry per line; a
    # WSGI environ's view has at most one, which the server already joined.
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):
        return cast(list[str], getlist(name))
    return [value for key, value in headers.items() if key.lower() == name]


def joined_header(headers: RequestHeaders, name: str) -> str | None:
    """A header's lines joined in order with ", " (RFC 9110 5.3): one value, however the
    proxies wrote it."""
    return ", ".join(header_lines(headers, name)) or None


class ScopeHeaders(Mapping[str, str]):
    """An ASGI scope's header lines as a case-insensitive mapping whose `getlist` keeps every
    line, decoded when asked for: what `client_address` reads for an ASGI socket."""

    # Not engine.io's environ: it would have folded `X_Forwarded_For` into
    # `HTTP_X_FORWARDED_FOR`.
    __slots__ = ("raw",)

    def __init__(self, raw: Iterable[tuple[bytes, bytes]]) -> None:
        self.raw = list(raw)

    def getlist(self, name: str) -> list[str]:
        key = name.lower().encode("latin-1")
        return [value.decode("latin-1") for n, value in self.raw if n.lower() == key]

    def __getitem__(self, name: str) -> str:
        values = self.getlist(name)
        if not values:
            raise KeyError(name)
        return values[0]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(n.decode("latin-1").lower() for n, _ in self.raw))

    def __len__(self) -> int:
        return len(dict.fromkeys(n.lower() for n, _ in self.raw))


def client_address(peer: str, headers: RequestHeaders, trusted: TrustedProxies) -> str:
    """The client's address, for REST and sockets on both runtimes: the right-most forwarded
    hop (of `trusted.header`'s family only) that is not a trusted proxy, from a trusted peer."""
    here = normalize_address(peer)
    if here is None:
        return peer
    hops = forwarded_hops(headers, trusted.header) if trusted.contains(here) else []
    for hop in reversed(hops):
        address = normalize_address(hop)
        if address is None:  # a trusted proxy passed on garbage: it is the last we know
            break
        here = address
        if not trusted.contains(here):
            break
    return str(here)


def forwarded_hops(headers: RequestHeaders, header: str = "x-forwarded-for") -> list[str]:
    """The client addresses a proxy chain reported in the family `header` names, left to
    right: X-Forwarded-For's entries, or Forwarded's `for=` parameters."""
    # Quotes and brackets are kept for `normalize_address`, which takes "[v6]:port"; "unknown"
    # and obfuscated names are not addresses, and stop the walk.
    value = joined_header(headers, header)
    if not value:
        return []
    if header == "x-forwarded-for":
        return value.split(",")
    return [element.get("for", "") for element in forwarded_elements(value)]


_QUOTED_PAIR = re.compile(r"\\(.)")


def forwarded_elements(value: str) -> list[dict[str, str]]:
    """RFC 7239's Forwarded, one dict per element (per proxy), left to right: names in lower
    case, values unquoted, a repeated parameter's last value."""
    elements = []
    # Split at every comma, quoted or not: no node, host or scheme holds one, and a client's
    # unclosed quote must not swallow the element its proxy appended after it.
    for element in value.split(","):
        params = {}
        for pair in element.split(";"):
            name, _, raw = pair.strip().partition("=")
            raw = raw.strip()
            if len(raw) >= 2 and raw[0] == raw[-1] == '"':
                raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1])
            params[name.strip().lower()] = raw
        elements.append(params)
    return elements


def proxied_scheme_and_host(
    trusted: TrustedProxies,
    forwarded_proto: str | None,
    forwarded_host: str | None,
    forwarded: str | None,
) -> tuple[str | None, str | None]:
    """The scheme and host the client used, as a trusted proxy reports them in the family that
    counts (X-Forwarded-Proto and -Host, or the last Forwarded element's)."""
    # Called only for a trusted proxy's request: nothing here checks the peer.
    if trusted.header == "x-forwarded-for":
        return forwarded_proto, forwarded_host
    if not forwarded:
        return None, None
    nearest = forwarded_elements(forwarded)[-1]
    return nearest.get("proto") or None, nearest.get("host") or None


def client_origin(
    peer: str, headers: RequestHeaders, scheme: str, host: str, trusted: TrustedProxies
) -> tuple[str, str]:
    """The scheme and host the client used: the request's own (`scheme`, `host`), or what
    the nearest trusted proxy reports (`proxied_scheme_and_host`), from a trusted peer only."""
    if not trusted.trusts(peer):
        return scheme, host
    proto, forwarded_host = proxied_scheme_and_host(
        trusted,
        joined_header(headers, "x-forwarded-proto"),
        joined_header(headers, "x-forwarded-host"),
        joined_header(headers, "forwarded"),
    )
    return (last_value(proto) or scheme).lower(), last_value(forwarded_host) or host


def socket_client_address(environ: Mapping[str, Any], trusted: TrustedProxies) -> str:
    """`client_address` of a Socket.IO connection, from the environ engine.io gives its
    connect handler (WSGI, or its ASGI driver's)."""
    # Forwarded headers reach it only from a trusted proxy (the edge removed them from anyone
    # else). The ASGI driver's REMOTE_ADDR is a placeholder: the peer is the scope's `client`,
    # the headers the scope's own lines. A WSGI server joined repeated lines already.
    scope = environ.get("asgi.scope")
    if isinstance(scope, Mapping):
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        return client_address(peer, ScopeHeaders(scope.get("headers") or ()), trusted)
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
            trusted=TrustedProxies(settings.trusted_proxies, settings.forwarded_header),
        )
