"""The types of the REST surface: a request, a response, a view and a route."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from msgspec import Struct

from domain.model.events import Event
from domain.usecases.deps import Deps
from entrypoints.common.batching import Batched
from entrypoints.common.edge import RequestHeaders
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import Limit
from entrypoints.common.payloads import parse_json_object
from entrypoints.common.schemas import Input, NoQuery
from entrypoints.common.shapes import encode_json


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: RequestHeaders  # case-insensitive, every line of a repeated header
    body: bytes = b""
    peer: str = ""  # the TCP peer's address (edge.client_address finds the client from it)
    # The client's address (edge.client_address: the peer, or the right-most hop that is
    # not a trusted proxy), which ServerBase.view_steps fills in before anything runs.
    client: str = ""
    # The scheme and host the client used: the shell's, then (ServerBase.view_steps) a
    # trusted proxy's report of them instead, as for `client`.
    scheme: str = "http"
    host: str = ""


@dataclass(slots=True)
class HttpResponse:
    """A JSON answer (a dict `body`), or raw bytes (the docs page and its assets), which then
    carry their own Content-Type in `headers`."""

    status: int
    body: dict[str, Any] | bytes
    events: list[Event] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else encode_json(self.body)


def json_body(request: HttpRequest, optional: bool = False) -> dict[str, Any]:
    """A request's body as a JSON object, or RequestError."""
    if optional and not request.body:
        return {}  # no body at all: as if `{}` (a body must still be JSON)
    return parse_json_object(request.headers.get("Content-Type"), request.body)


Answer = HttpResponse | Batched[HttpResponse]


# A view is given the request, the claims of its bearer token (a `bearer` route; else None),
# its body as the route's `body` schema (None for a route without one) and its query as the
# route's `query` schema.
View = Callable[[Deps, HttpRequest, Any, Any, Any], Answer]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a route answers on success, for the OpenAPI document."""

    status: int
    description: str
    schema: type[Struct] | None = None  # a JSON body of this shape
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Route:
    """One REST endpoint: its view, the lane it runs in (see lanes.py), the schemas of its
    input, and what it answers (openapi.py documents the table)."""

    method: str
    rule: str  # werkzeug syntax, understood by Flask and Quart alike
    endpoint: str
    view: View
    lane: Lane = Lane.WORKER
    body: type[Input] | None = None
    query: type[Input] = NoQuery
    summary: str = ""
    ok: Reply = Reply(200, "OK.")
    errors: Mapping[int, str] = field(default_factory=dict)  # status -> when
    bearer: bool = False  # `Authorization: Bearer <token>`, checked before anything else
    bearer_optional: bool = False  # a bearer token if one is sent (then checked), else none
    limits: tuple[Limit, ...] = ()  # counted before anything else runs (limits.py)
    body_optional: bool = False  # an empty body (no bytes at all) reads as `{}`
    # A body carrying this field may verify a password: the request then counts under the
    # password limits and runs in the PASSWORD lane (admission.admit_route), and the bearer
    # token becomes optional (the password may be the proof instead).
    password_field: str | None = None
    # The body field of the room password this route verifies: every request is a password
    # attempt (admission.admit_route), whether or not the field is there.
    room_password_field: str | None = None
    # A page-session route: its credential is the session cookie (session_cookie.py), and
    # a request from another origin is refused before anything else runs.
    cookie: bool = False
