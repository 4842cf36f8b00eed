"""The edge as ASGI middleware, outside engine.io and Quart (see entrypoints/common/edge.py).

It drops forwarded headers from untrusted peers (engine.io's ASGI driver would otherwise take
its scheme from X-Forwarded-Proto) and refuses a /socket.io/ request from a foreign origin
with our JSON: over HTTP, or, before a WebSocket handshake, through the ASGI
"websocket.http.response" extension, so the client sees the same 403 as on Flask.
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
)

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
    __slots__ = ("app", "policy")

    def __init__(self, app: AsgiApp, policy: EdgePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        client = scope.get("client")
        if not (policy.trusted and client and policy.trusted.trusts(client[0])):
            for name, _value in headers:
                if name in FORWARDED_HEADERS:
                    scope["headers"] = headers = [
                        h for h in headers if h[0] not in FORWARDED_HEADERS
                    ]
                    break
        if is_socket_path(scope["path"]) and self._foreign_origin(scope, headers):
            await refuse(scope, send, ORIGIN_NOT_ALLOWED)
            return
        await self.app(scope, receive, send)

    def _foreign_origin(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
        origins: list[str] = []
        host = ""
        proto = forwarded_host = None  # present only from a trusted proxy by now
        for name, value in headers:
            if name == b"origin":
                origins.append(value.decode("latin-1"))
            elif name == b"host":
                host = value.decode("latin-1")
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1")
            elif name == b"x-forwarded-host":
                forwarded_host = value.decode("latin-1")
        if not origins:
            return False
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        # Repeated Origin headers are joined as a WSGI server joins them (and then refused).
        return origin_refused(
            self.policy.cors_origins, ",".join(origins), scheme, host, proto, forwarded_host
        )
