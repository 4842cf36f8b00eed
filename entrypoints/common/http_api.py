"""The REST API, runtime-neutral: requests in, responses (and events to emit) out.

Each runtime only turns its framework's request into an HttpRequest, calls `handle` (Quart
from a worker thread), writes the HttpResponse and emits its events after the commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.model.errors import ChatError
from domain.model.events import Event
from domain.model.messages import DEFAULT_PAGE, Message
from domain.usecases.access import authenticate
from domain.usecases.create_room import create_room
from domain.usecases.deps import Deps
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.errors import INTERNAL, RequestError, render
from entrypoints.common.payloads import (
    bearer_token,
    int_query,
    parse_json_object,
    required_string,
    string_field,
)

log = logging.getLogger("securechat.http")

JSON_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


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


def encode_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def message_json(message: Message) -> dict[str, Any]:
    """A message as both history and the `message` socket event show it."""
    return {
        "id": message.id,
        "room_id": message.room_id,
        "user_id": message.user_id,
        "username": message.username,
        "message": message.text,
        "timestamp": iso_ms(message.created_at_ms),
    }


def iso_ms(epoch_ms: int) -> str:
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(epoch_ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


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


def post_message_view(deps: Deps, request: HttpRequest) -> HttpResponse:
    claims = authenticate(deps, bearer_token(request.headers.get("Authorization")))
    data = _body(request)
    out = send_message(
        deps, claims, request.path_params["room_id"], required_string(data, "message")
    )
    return HttpResponse(201, {"message_id": out.value.id}, out.events)


def list_messages_view(deps: Deps, request: HttpRequest) -> HttpResponse:
    claims = authenticate(deps, bearer_token(request.headers.get("Authorization")))
    limit = int_query(request.query, "limit", DEFAULT_PAGE)
    before = request.query.get("before") or None
    out = read_history(deps, claims, request.path_params["room_id"], limit, before)
    page = out.value
    body = {"messages": [message_json(m) for m in page.messages], "next_before": page.next_before}
    return HttpResponse(200, body)


View = Callable[[Deps, HttpRequest], HttpResponse]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    rule: str  # werkzeug syntax, understood by Flask and Quart alike
    endpoint: str
    view: View


ROUTES: tuple[Route, ...] = (
    Route("POST", "/room/create", "create_room", create_room_view),
    Route("POST", "/chat/<room_id>/verify", "verify_room", verify_room_view),
    Route("POST", "/chat/<room_id>", "post_message", post_message_view),
    Route("GET", "/chat/<room_id>/messages", "list_messages", list_messages_view),
)


def handle(deps: Deps, view: View, request: HttpRequest) -> HttpResponse:
    """Run a view; every failure becomes our error shape, never a traceback."""
    try:
        return view(deps, request)
    except (ChatError, RequestError) as error:
        status, body = render(error)
        response = HttpResponse(status, body)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="securechat"'
        return response
    except Exception:
        log.exception("unhandled error in %s", getattr(view, "__name__", view))
        return HttpResponse(500, dict(INTERNAL))
