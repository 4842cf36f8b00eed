"""The REST API, runtime-neutral: requests in, responses (and events to emit) out.

`ROUTES` is the one table of the REST surface. Each runtime registers it in a loop: it turns
its framework's request into an HttpRequest, runs `answer` in the route's lane, passes a
`Batched` send through its batcher, writes the HttpResponse and emits its events after the
commit. Adding a route means a view here and an entry in `ROUTES`, nothing per runtime.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from domain.model.errors import ChatError
from domain.model.events import Event
from domain.model.messages import DEFAULT_PAGE
from domain.usecases.access import authenticate
from domain.usecases.create_room import create_room
from domain.usecases.deps import Deps
from domain.usecases.read_history import read_history
from domain.usecases.send_message import SendCommand
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.batching import Batched, SendResult
from entrypoints.common.errors import INTERNAL, RequestError, render
from entrypoints.common.lanes import Lane
from entrypoints.common.payloads import (
    bearer_token,
    int_query,
    parse_json_object,
    required_string,
    string_field,
)
from entrypoints.common.shapes import encode_json, message_json

log = logging.getLogger("securechat.http")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]  # case-insensitive mapping from the framework
    body: bytes = b""


@dataclass(slots=True)
class HttpResponse:
    status: int
    body: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return encode_json(self.body)


def _body(request: HttpRequest) -> dict[str, Any]:
    return parse_json_object(request.headers.get("Content-Type"), request.body)


def create_room_view(deps: Deps, request: HttpRequest) -> HttpResponse:
    data = _body(request)
    out = create_room(deps, required_string(data, "room_id"), required_string(data, "password"))
    body = {"room_id": out.value.room_id, "admin_token": out.value.admin_token}
    return HttpResponse(201, body, out.events)


def verify_room_view(deps: Deps, request: HttpRequest) -> HttpResponse:
    data = _body(request)
    out = verify_room_password(
        deps,
        request.path_params["room_id"],
        required_string(data, "password"),
        string_field(data, "username", required=False),
    )
    access = out.value
    body = {
        "token": access.token,
        "expires_in": access.expires_in,
        "user_id": access.user_id,
        "username": access.username,
    }
    return HttpResponse(200, body, out.events)


def post_message_view(deps: Deps, request: HttpRequest) -> Batched[HttpResponse]:
    """Authenticate and parse a post; the send itself goes through the runtime's batcher."""
    claims = authenticate(deps, bearer_token(request.headers.get("Authorization")))
    data = _body(request)
    command = SendCommand(claims, request.path_params["room_id"], required_string(data, "message"))
    return Batched(command, post_message_response)


def post_message_response(result: SendResult) -> HttpResponse:
    if isinstance(result, ChatError):
        return error_response(result)
    if result is None:
        return HttpResponse(500, dict(INTERNAL))
    return HttpResponse(201, {"message_id": result.value.id}, result.events)


def list_messages_view(deps: Deps, request: HttpRequest) -> HttpResponse:
    claims = authenticate(deps, bearer_token(request.headers.get("Authorization")))
    limit = int_query(request.query, "limit", DEFAULT_PAGE)
    before = request.query.get("before") or None
    out = read_history(deps, claims, request.path_params["room_id"], limit, before)
    page = out.value
    body = {"messages": [message_json(m) for m in page.messages], "next_before": page.next_before}
    return HttpResponse(200, body)


Answer = HttpResponse | Batched[HttpResponse]
View = Callable[[Deps, HttpRequest], Answer]


@dataclass(frozen=True, slots=True)
class Route:
    """One REST endpoint: its view, and the lane it runs in (see lanes.py)."""

    method: str
    rule: str  # werkzeug syntax, understood by Flask and Quart alike
    endpoint: str
    view: View
    lane: Lane = Lane.WORKER


ROUTES: tuple[Route, ...] = (
    Route("POST", "/room/create", "create_room", create_room_view, Lane.PASSWORD),
    Route("POST", "/chat/<room_id>/verify", "verify_room", verify_room_view, Lane.PASSWORD),
    # Parsing and a cached token check only; the send is batched.
    Route("POST", "/chat/<room_id>", "post_message", post_message_view, Lane.INLINE),
    Route("GET", "/chat/<room_id>/messages", "list_messages", list_messages_view),
)


def error_response(error: ChatError | RequestError) -> HttpResponse:
    status, body = render(error)
    response = HttpResponse(status, body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="securechat"'
    return response


def answer(deps: Deps, route: Route, request: HttpRequest) -> Answer:
    """Run a route's view; every failure becomes our error shape, never a traceback."""
    return _guarded(lambda: route.view(deps, request), route.endpoint)


def respond(batched: Batched[HttpResponse], result: SendResult) -> HttpResponse:
    """The response to a batched send, once its batch is done."""
    return _guarded(lambda: batched.respond(result), "respond")


def _guarded(run: Callable[[], T], name: str) -> T | HttpResponse:
    try:
        return run()
    except (ChatError, RequestError) as error:
        return error_response(error)
    except Exception:
        log.exception("unhandled error in %s", name)
        return HttpResponse(500, dict(INTERNAL))
