"""The hot path on WSGI (entrypoints/common/hot_path.py): inside the edge middleware,
outside engine.io and Flask."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import EnvironHeaders
from werkzeug.sansio.utils import get_host

from entrypoints.common.hot_path import (
    body_length,
    hot_match,
    response_headers,
    status_line,
)
from entrypoints.common.http_types import HttpRequest
from entrypoints.common.server_base import RawReply, ServerBase
from entrypoints.flask.edge import StartResponse, WsgiApp
from entrypoints.flask.shell import FlaskShell


class HotPathMiddleware:
    __slots__ = ("app", "base", "limit", "shell")

    def __init__(self, app: WsgiApp, shell: FlaskShell) -> None:
        self.app = app
        self.shell = shell
        self.base: ServerBase = shell.base
        self.limit = shell.base.settings.max_request_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        match = hot_match(method, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        if match is None:
            return self.app(environ, start_response)
        length = body_length(environ.get("CONTENT_LENGTH"), self.limit)
        scheme = environ["wsgi.url_scheme"]
        host_header = environ.get("HTTP_HOST")
        host = get_host(scheme, host_header) if host_header else None  # as request.host
        if length is None or host is None or "HTTP_TRANSFER_ENCODING" in environ:
            return self.app(environ, start_response)
        route, params = match
        headers = EnvironHeaders(environ)
        body = environ["wsgi.input"].read(length) if length else b""
        request = HttpRequest(
            method, params, {}, headers, body, environ.get("REMOTE_ADDR") or "", "", scheme, host
        )
        shell, base = self.shell, self.base
        try:
            reply: RawReply = shell.drive(base.view_steps(route, request))
        except Exception as error:  # as Flask's handler of last resort answers
            reply = shell.drive(base.reply_steps(base.unhandled(error)))
        status, data, reply_headers = reply
        cors = base.cors(method, headers)
        start_response(status_line(status), response_headers(reply_headers, cors, data))
        return [data]
