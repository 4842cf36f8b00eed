"""The page-session cookie on the wire: reading it from a request's Cookie lines, writing
its Set-Cookie, and the same-origin rule of the routes it is sent to (no I/O).

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page makes
the browser send it), `Path=/session` (sent to the page-session routes only), `Secure`
when the client reached us over HTTPS (as the trusted-proxy rules report the scheme).
"""

from __future__ import annotations

import re

from entrypoints.common.edge import RequestHeaders, header_lines
from entrypoints.common.errors import RequestError, TransportCode

COOKIE_NAME = "securechat_session"
COOKIE_PATH = "/session"
# Cookie pairs are split at ";" (RFC 6265) and at ",": a WSGI server joins repeated Cookie
# lines with ", ", an ASGI one keeps them apart, and the two runtimes must read the same.
_PAIRS = re.compile(r"[;,]")


def cookie_value(headers: RequestHeaders) -> str | None:
    """The session cookie's value: None when there is none, or more than one."""
    # Two different values say nothing certain, and one value twice is not what a browser
    # sends. The name is matched exactly (cookie names are case-sensitive); a value in
    # double quotes (RFC 6265's quoted form) is read without them.
    found: list[str] = []
    for line in header_lines(headers, "cookie"):
        for pair in _PAIRS.split(line):
            name, sep, value = pair.strip().partition("=")
            if sep and name.strip() == COOKIE_NAME:
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                found.append(value)
    return found[0] if len(found) == 1 else None


def set_cookie(value: str, max_age: int, secure: bool) -> str:
    """The Set-Cookie of a page session's next value."""
    attributes = f"Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Strict"
    return f"{COOKIE_NAME}={value}; {attributes}{'; Secure' if secure else ''}"


def clear_cookie(secure: bool) -> str:
    """The Set-Cookie that removes the cookie (same name, path and attributes)."""
    return set_cookie("", 0, secure)


def check_same_origin(headers: RequestHeaders, scheme: str, host: str) -> None:
    """Refuse (ORIGIN_NOT_ALLOWED) a page-session request whose Origin, if sent, is not this
    origin (one line only), or whose Sec-Fetch-Site, if sent, is not same-origin."""
    # Configured CORS origins do not count here: only this server's own page.
    origins = header_lines(headers, "origin")
    if origins and (len(origins) > 1 or origins[0].strip() != f"{scheme}://{host}"):
        raise RequestError(
            TransportCode.ORIGIN_NOT_ALLOWED, "page sessions are for this server's own page"
        )
    sites = header_lines(headers, "sec-fetch-site")
    if sites and [site.strip().lower() for site in sites] != ["same-origin"]:
        raise RequestError(
            TransportCode.ORIGIN_NOT_ALLOWED, "page sessions are for this server's own page"
        )
