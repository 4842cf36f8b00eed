"""The hot path: a REST post answered in front of the framework, by the same steps.

`POST /chat/<room_id>` is most of a busy server's REST traffic, and Flask's or Quart's
request machinery (a request context, URL matching, hooks, request and response objects)
cost about as much CPU as our whole send. Each runtime's hot-path middleware
(entrypoints/flask/hot_path.py, entrypoints/quart/hot_path.py) sits inside the edge
middleware, outside engine.io and the framework: for a request `hot_match` accepts, it builds
the same `HttpRequest` the framework's view would and runs the same `ServerBase.view_steps`
(token, limits, body schema, batch, emits, logging), adds the same CORS headers, and writes
the reply. Anything it does not accept goes to the framework unchanged: another route or
method, a query string, a path the framework would decode or redirect, no Host, no
Content-Length or one over the body limit (the framework's 413), a chunked body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from entrypoints.common.http_types import Route
from entrypoints.common.routes_rooms import POST_MESSAGE

HOT_ROUTES: tuple[Route, ...] = (POST_MESSAGE,)
"""The routes the hot path answers: each a static prefix and one trailing path parameter."""


@dataclass(frozen=True, slots=True)
class HotRoute:
    route: Route
    prefix: str  # the rule up to its one parameter: "/chat/"
    param: str  # the parameter's name: "room_id"


def hot_route(route: Route) -> HotRoute:
    """A table route whose rule ends in its only parameter (`/chat/<room_id>`)."""
    prefix, _, rest = route.rule.partition("<")
    if not rest.endswith(">") or "<" in rest or ":" in rest:
        raise ValueError(f"not a hot-path rule: {route.rule}")
    return HotRoute(route, prefix, rest[:-1])


HOT = tuple(hot_route(route) for route in HOT_ROUTES)


def hot_match(method: str, path: str, query: str) -> tuple[Route, dict[str, str]] | None:
    """The route and path parameters of a request the hot path answers, or None."""
    if query:
        return None
    for hot in HOT:
        if method != hot.route.method or not path.startswith(hot.prefix):
            continue
        value = path[len(hot.prefix) :]
        # One non-empty ASCII segment: werkzeug's default converter, without the decoding
        # of non-ASCII paths, which stays the framework's.
        if value and "/" not in value and value.isascii() and value.isprintable():
            return hot.route, {hot.param: value}
    return None


def body_length(content_length: str | None, limit: int) -> int | None:
    """A Content-Length the hot path reads a body by (digits, at most `limit`), or None."""
    if content_length is None or not content_length.isdigit() or not content_length.isascii():
        return None
    length = int(content_length)
    return length if length <= limit else None


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def response_headers(
    headers: Mapping[str, str], cors: Mapping[str, str], body: bytes
) -> list[tuple[str, str]]:
    """A reply's headers, the CORS grant's and its length, as the frameworks write them."""
    out = [*headers.items(), *cors.items()]
    out.append(("Content-Length", str(len(body))))
    return out
