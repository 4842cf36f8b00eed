"""The edge as WSGI middleware, outside engine.io and Flask (see entrypoints/common/edge.py).

It drops forwarded headers from untrusted peers, and the family that does not count from
trusted ones (pywsgi has already dropped every header whose name has an underscore); it
refuses a /socket.io/ request from a foreign origin, and reads a chunked body itself,
bounded: pywsgi hands one over with no length, and Flask would silently cut it at the limit
and process the rest.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from entrypoints.common.edge import (
    BAD_REQUEST,
    FORWARDED_ENVIRON_KEYS,
    ORIGIN_NOT_ALLOWED,
    PAYLOAD_TOO_LARGE,
    EdgePolicy,
    Refusal,
    is_socket_path,
    origin_refused,
    proxied_scheme_and_host,
)
from entrypoints.common.forwarding_notice import UntrustedForwarding

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_CLOSE = [("Connection", "close")]


def _send(refusal: Refusal, start_response: StartResponse, close: bool = False) -> list[bytes]:
    headers = list(refusal.headers)
    if close:  # the rest of the request is not read: the connection cannot carry another
        headers += _CLOSE
    start_response(refusal.status_line, headers)
    return [refusal.body]


class EdgeMiddleware:
    __slots__ = ("app", "policy", "untrusted")

    def __init__(self, app: WsgiApp, policy: EdgePolicy) -> None:
        self.app = app
        self.policy = policy
        self.untrusted = UntrustedForwarding()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        policy = self.policy
        trusted = bool(policy.trusted) and policy.trusted.trusts(environ.get("REMOTE_ADDR"))
        for key in policy.trusted.ignored_environ_keys if trusted else FORWARDED_ENVIRON_KEYS:
            if key in environ:
                del environ[key]
                if not trusted:
                    self.untrusted.seen(environ.get("REMOTE_ADDR"))
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and is_socket_path(environ.get("PATH_INFO", "")):
            proto, host = proxied_scheme_and_host(
                policy.trusted,
                environ.get("HTTP_X_FORWARDED_PROTO"),
                environ.get("HTTP_X_FORWARDED_HOST"),
                environ.get("HTTP_FORWARDED"),
            )
            refused = origin_refused(
                policy.cors_origins,
                origin,
                environ["wsgi.url_scheme"],
                environ.get("HTTP_HOST", ""),
                proto,
                host,
            )
            if refused:
                return _send(ORIGIN_NOT_ALLOWED, start_response)
        if (
            "CONTENT_LENGTH" not in environ
            and environ.get("wsgi.input_terminated")
            and environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        ):
            refusal = self._buffer_chunked(environ)
            if refusal is not None:
                return _send(refusal, start_response, close=True)
        return self.app(environ, start_response)

    def _buffer_chunked(self, environ: dict[str, Any]) -> Refusal | None:
        """Read a chunked body up to one byte past the limit; hand it on with its length."""
        limit = self.policy.max_body_bytes
        try:
            body = environ["wsgi.input"].read(limit + 1)
        except (OSError, ValueError):  # malformed chunks (pywsgi's _InvalidClientInput)
            return BAD_REQUEST
        if len(body) > limit:
            return PAYLOAD_TOO_LARGE
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        del environ["HTTP_TRANSFER_ENCODING"]
        return None
