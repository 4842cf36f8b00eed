"""The edge as ASGI middleware, outside engine.io and Quart (see entrypoints/common/edge.py).

It drops forwarded headers from untrusted peers (engine.io's ASGI driver would otherwise take
its scheme from X-Forwarded-Proto), the family that does not count from trusted ones, and
every header whose name has an underscore, as gevent's pywsgi does on Flask: engine.io's
driver maps `X_Forwarded_For` to the environ key of `X-Forwarded-For`. It refuses a
/socket.io/ request from a foreign origin with our JSON: over HTTP, or, before a WebSocket
handshake, through the ASGI "websocket.http.response" extension, so the client sees the same
403 as on Flask.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from entrypoints.common.edge import (
    FORWARDED_HEADERS,
    ORIGIN_NOT_ALLOWED,
    EdgePolicy,
    Refusal,
    is_socket_path,
    origin_refused,
    proxied_scheme_and_host,
)
from entrypoints.common.forwarding_notice import UntrustedForwarding

# proxied_scheme_and_host's arguments, in order.
_PROXIED = (b"x-forwarded-proto", b"x-forwarded-host", b"forwarded")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _asgi_headers(refusal: Refusal) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in refusal.headers]


async def refuse(scope: Scope, send: Send, refusal: Refusal) -> None:
    headers = _asgi_headers(refusal)
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": refusal.body})
    elif "websocket.http.response" in scope.get("extensions", {}):
        await send(
            {"type": "websocket.http.response.start", "status": refusal.status, "headers": headers}
        )
        await send({"type": "websocket.http.response.body", "body": refusal.body})
    else:  # a server without the extension answers a bare 403
        await send({"type": "websocket.close"})


class EdgeMiddleware:
    __slots__ = ("app", "policy", "untrusted")

    def __init__(self, app: AsgiApp, policy: EdgePolicy) -> None:
        self.app = app
        self.policy = policy
        self.untrusted = UntrustedForwarding()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        client = scope.get("client")
        trusted = bool(policy.trusted and client and policy.trusted.trusts(client[0]))
        dropped = policy.trusted.ignored if trusted else FORWARDED_HEADERS
        for name, _value in headers:
            if name in dropped or b"_" in name:
                if not trusted and any(h[0] in FORWARDED_HEADERS for h in headers):
                    self.untrusted.seen(client[0] if client else "")
                scope["headers"] = headers = [
                    h for h in headers if h[0] not in dropped and b"_" not in h[0]
                ]
                break
        if is_socket_path(scope["path"]) and self._foreign_origin(scope, headers):
            await refuse(scope, send, ORIGIN_NOT_ALLOWED)
            return
        await self.app(scope, receive, send)

    def _foreign_origin(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
        origins: list[str] = []
        host = ""
        # Forwarded headers are present only from a trusted proxy by now; their lines are
        # joined in order, as a WSGI server joins them.
        proxied: dict[bytes, list[str]] = {name: [] for name in _PROXIED}
        for name, value in headers:
            if name == b"origin":
                origins.append(value.decode("latin-1"))
            elif name == b"host":
                host = value.decode("latin-1")
            elif name in proxied:
                proxied[name].append(value.decode("latin-1"))
        if not origins:
            return False
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        proto, forwarded_host = proxied_scheme_and_host(
            self.policy.trusted, *(",".join(proxied[name]) or None for name in _PROXIED)
        )
        # Repeated Origin headers are joined as a WSGI server joins them (and then refused).
        return origin_refused(
            self.policy.cors_origins, ",".join(origins), scheme, host, proto, forwarded_host
        )
