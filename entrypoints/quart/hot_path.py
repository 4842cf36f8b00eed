"""The hot path on ASGI (entrypoints/common/hot_path.py): inside the edge middleware,
outside engine.io and Quart."""

from __future__ import annotations

from werkzeug.sansio.utils import get_host

from entrypoints.common.edge import ScopeHeaders
from entrypoints.common.hot_path import body_length, hot_match, response_headers
from entrypoints.common.http_types import HttpRequest
from entrypoints.common.server_base import RawReply, ServerBase
from entrypoints.quart.edge import AsgiApp, Receive, Scope, Send
from entrypoints.quart.shell import QuartShell


class HotPathMiddleware:
    __slots__ = ("app", "base", "limit", "shell")

    def __init__(self, app: AsgiApp, shell: QuartShell) -> None:
        self.app = app
        self.shell = shell
        self.base: ServerBase = shell.base
        self.limit = shell.base.settings.max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        match = hot_match(method, scope["path"], scope["query_string"].decode("latin-1"))
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = ScopeHeaders(scope["headers"])
        scheme = scope.get("scheme", "http")
        length = body_length(headers.get("content-length"), self.limit)
        host_header = headers.get("host")
        host = get_host(scheme, host_header) if host_header else None  # as request.host
        if length is None or host is None or "transfer-encoding" in headers:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its body was in: nothing to answer
            body += message.get("body", b"")
            more = message.get("more_body", False)
        route, params = match
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        request = HttpRequest(method, params, {}, headers, bytes(body), peer, "", scheme, host)
        shell, base = self.shell, self.base
        try:
            reply: RawReply = await shell.drive(base.view_steps(route, request))
        except Exception as error:  # as Quart's handler of last resort answers
            reply = await shell.drive(base.reply_steps(base.unhandled(error)))
        status, data, reply_headers = reply
        out = response_headers(reply_headers, base.cors(method, headers), data)
        encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in out]
        await send({"type": "http.response.start", "status": status, "headers": encoded})
        await send({"type": "http.response.body", "body": data})
