"""pywsgi reading a request's head within bounds (see entrypoints/common/edge.py).

pywsgi reads the request line (shorter than 8 KiB, else 414), then hands the connection to
http.client's header parser, which takes up to 99 lines of 64 KiB each: 6.4 MB per request.
Here the header lines are read within what the request line left of
SECURECHAT_MAX_HEADER_BYTES, at most SECURECHAT_MAX_HEADER_COUNT of them, and then parsed
into pywsgi's own header class. Every refusal before the application (400, 414, 431) is our
JSON body.

Relies on pywsgi's ``read_requestline``, ``MessageClass(fp)``, ``OldMessage``,
``_handle_client_error(ex)`` and ``handle_one_request`` (tests/unit/flask/test_edge_internals.py
checks they are still there).
"""

from __future__ import annotations

import email.parser
import re
from typing import Any

from gevent.pywsgi import OldMessage, WSGIHandler

from entrypoints.common.edge import (
    BAD_REQUEST,
    HEADERS_TOO_LARGE,
    REQUEST_LINE_TOO_LONG,
    Refusal,
)
from entrypoints.common.settings import DEFAULTS

# pywsgi's own early answers, by status, replaced with ours.
_RESPONSES = {
    str(refusal.status): refusal.response
    for refusal in (BAD_REQUEST, REQUEST_LINE_TOO_LONG, HEADERS_TOO_LARGE)
}


_HEADER_PARSER = email.parser.Parser(_class=OldMessage)

# A plain header line: a token, a colon, a value without line breaks. The email parser's
# compat32 policy stores it as (name, value with leading blanks and the line end removed).
_PLAIN_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*)\r?\n")


def parse_head(lines: list[bytes]) -> Any:
    """The header lines as pywsgi's OldMessage, as the email parser builds it: plain lines
    directly (the email parser cost ~5% of a REST post), any other head through it."""
    headers = []
    for line in lines:
        plain = _PLAIN_LINE.fullmatch(line)
        if plain is None:
            return _HEADER_PARSER.parsestr(b"".join(lines).decode("latin-1"))
        headers.append((plain[1].decode("latin-1"), plain[2].decode("latin-1")))
    message = OldMessage()
    message._headers = headers
    message.set_payload("")  # as the parser leaves it: a head with nothing after it
    return message


class HeadRefused(ValueError):
    """A head over its bounds. A ValueError, so pywsgi takes it for the client's fault."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.status_line)
        self.refusal = refusal


class BoundedHeadHandler(WSGIHandler):  # type: ignore[misc]  # gevent is untyped
    max_head_bytes: int = DEFAULTS.max_header_bytes  # serve() sets the settings
    max_header_count: int = DEFAULTS.max_header_count
    _head_left = 0

    def read_requestline(self) -> str:
        line: str = super().read_requestline()
        self._head_left = self.max_head_bytes - len(line)  # latin-1: one char per byte
        return line

    def MessageClass(self, fp: Any, *args: Any) -> Any:  # noqa: N802 - pywsgi's name
        left = self._head_left
        count = self.max_header_count
        lines = []
        readline = fp.readline
        if left < 0:
            raise HeadRefused(HEADERS_TOO_LARGE)
        while True:
            line = readline(left + 1)  # never more than one byte past the bound
            left -= len(line)
            if left < 0:
                raise HeadRefused(HEADERS_TOO_LARGE)
            if line in (b"\r\n", b"\n", b""):
                break
            if not count:
                raise HeadRefused(HEADERS_TOO_LARGE)
            count -= 1
            lines.append(line)
        # What http.client.parse_headers does once it has the lines (and with its own limits
        # of 100 lines of 64 KiB each, which ours replace).
        return parse_head(lines)

    def _handle_client_error(self, ex: BaseException) -> tuple[str, bytes]:
        if isinstance(ex, HeadRefused):  # expected, and not worth a log line each
            return str(ex.refusal.status), ex.refusal.response
        result: tuple[str, bytes] = super()._handle_client_error(ex)
        return result

    def handle_one_request(self) -> Any:
        result = super().handle_one_request()
        if type(result) is tuple:  # answered before the application: in our shape
            status = result[0]
            return status, _RESPONSES.get(status, result[1])
        return result
