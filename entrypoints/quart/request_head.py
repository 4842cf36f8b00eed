"""uvicorn's httptools protocol reading a request's head within bounds.

uvicorn's h11 size setting does not reach httptools, which keeps each header line in memory
until it ends: without a bound, 200 lines of 1 MiB each are held before the application
runs. Here the bytes of a head are counted as they arrive (request line and headers together
at most SECURECHAT_MAX_HEADER_BYTES): the parser is fed only what still fits, and a head
that has not ended by then is refused with 431 and the connection closed. The request line
(shorter than 8 KiB, as on Flask) and the number of header lines are checked in the parser's
callbacks; a refusal raised there stops the parser, and uvicorn's error path answers with
our JSON instead of its text/plain 400.

Relies on uvicorn's ``HttpToolsProtocol`` internals: ``data_received``, ``on_url``,
``on_headers_complete``, ``on_message_complete``, ``send_400_response(msg)``, ``self.url``,
``self.headers`` and ``self.parser`` (tests/unit/quart/test_edge_internals.py checks them).
"""

from __future__ import annotations

import asyncio

from entrypoints.common.edge import (
    BAD_REQUEST,
    HEADERS_TOO_LARGE,
    MAX_REQUEST_LINE,
    REQUEST_LINE_TOO_LONG,
    EdgePolicy,
    Refusal,
    request_line_too_long,
)
from entrypoints.common.settings import DEFAULTS
from entrypoints.quart.outbox import CoalescingHttpProtocol

# Below this many bytes of target, no method makes the request line too long.
_TARGET_SURELY_FITS = MAX_REQUEST_LINE - 64


class _Refused(Exception):
    """Raised in a parser callback: httptools stops, uvicorn calls send_400_response."""


class BoundedHttpProtocol(CoalescingHttpProtocol):
    max_head_bytes: int = DEFAULTS.max_header_bytes  # serve() sets the settings
    max_header_count: int = DEFAULTS.max_header_count
    # What the current head may still take; None in a body.
    _head_left: int | None = DEFAULTS.max_header_bytes
    _heads = 0  # heads completed on this connection
    _refusal: Refusal | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn narrows the transport type itself
        super().connection_made(transport)
        self._head_left = self.max_head_bytes

    def data_received(self, data: bytes) -> None:
        left = self._head_left
        if left is None or len(data) <= left:
            if left is not None:
                self._head_left = left - len(data)
            super().data_received(data)
            return
        # The head has to end within the `left` bytes it may still take: feed only those.
        heads = self._heads
        view = memoryview(data)
        self._head_left = 0
        if left:
            super().data_received(view[:left])  # type: ignore[arg-type]  # a memoryview is what httptools feeds on
        if self.transport.is_closing():
            return
        if self._heads == heads:
            self._refuse(HEADERS_TOO_LARGE)
            return
        if self.transport.get_protocol() is self:  # not upgraded to a WebSocket
            self.data_received(view[left:])  # type: ignore[arg-type]  # a memoryview is what httptools feeds on

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > _TARGET_SURELY_FITS and request_line_too_long(
            len(self.parser.get_method()), len(self.url)
        ):
            self._refusal = REQUEST_LINE_TOO_LONG
            raise _Refused

    def on_headers_complete(self) -> None:
        self._heads += 1
        self._head_left = None
        if len(self.headers) > self.max_header_count:
            self._refusal = HEADERS_TOO_LARGE
            raise _Refused
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_left = self.max_head_bytes

    def send_400_response(self, msg: str) -> None:
        refusal, self._refusal = self._refusal or BAD_REQUEST, None
        self._refuse(refusal)

    def _refuse(self, refusal: Refusal) -> None:
        self.transport.write(refusal.response)
        self.transport.close()


def http_protocol(policy: EdgePolicy) -> type[BoundedHttpProtocol]:
    """The HTTP protocol class uvicorn should build, with this server's bounds."""
    return type(
        "HttpProtocol",
        (BoundedHttpProtocol,),
        {"max_head_bytes": policy.max_head_bytes, "max_header_count": policy.max_header_count},
    )
