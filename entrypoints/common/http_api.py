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
from domain.usecases.send_message import SendCommand
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.batching import SendResult
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
    """A message as both history and the `message` socket event show it.

    One that no key opens has `"message": null, "unreadable": true`; others have no
    `unreadable` key, so a readable message's shape never changed."""
    body: dict[str, Any] = {
        "id": message.id,
        "room_id": message.room_id,
        "user_id": message.user_id,
        "username": message.username,
        "message": None if message.unreadable else message.text,
        "timestamp": iso_ms(message.created_at_ms),
    }
    if message.unreadable:
        body["unreadable"] = True
    return body


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


def post_message_command(deps: Deps, request: HttpRequest) -> SendCommand:
    """Authenticate and parse a post; the send itself goes through the runtime's batcher."""
    claims = authenticate(deps, bearer_token(request.headers.get("Authorization")))
    data = _body(request)
    return SendCommand(claims, request.path_params["room_id"], required_string(data, "message"))


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


View = Callable[[Deps, HttpRequest], HttpResponse]
Command = Callable[[Deps, HttpRequest], SendCommand]


@dataclass(frozen=True, slots=True)
class Route:
    """A view, or for sends a command parser plus a responder (the send is batched)."""

    method: str
    rule: str  # werkzeug syntax, understood by Flask and Quart alike
    endpoint: str
    view: View | None = None
    command: Command | None = None
    respond: Callable[[SendResult], HttpResponse] | None = None
    # Does password work (argon2): a runtime runs it apart from the workers that serve
    # everyone else, so that guessing never delays a token holder's reads and sends.
    hashes: bool = False


ROUTES: tuple[Route, ...] = (
    Route("POST", "/room/create", "create_room", view=create_room_view, hashes=True),
    Route("POST", "/chat/<room_id>/verify", "verify_room", view=verify_room_view, hashes=True),
    Route(
        "POST",
        "/chat/<room_id>",
        "post_message",
        command=post_message_command,
        respond=post_message_response,
    ),
    Route("GET", "/chat/<room_id>/messages", "list_messages", view=list_messages_view),
)


def error_response(error: ChatError | RequestError) -> HttpResponse:
    status, body = render(error)
    response = HttpResponse(status, body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="securechat"'
    return response


def handle(deps: Deps, view: View, request: HttpRequest) -> HttpResponse:
    """Run a view; every failure becomes our error shape, never a traceback."""
    try:
        return view(deps, request)
    except (ChatError, RequestError) as error:
        return error_response(error)
    except Exception:
        log.exception("unhandled error in %s", getattr(view, "__name__", view))
        return HttpResponse(500, dict(INTERNAL))


def prepare(deps: Deps, command: Command, request: HttpRequest) -> SendCommand | HttpResponse:
    """Parse a send request: the command to batch, or the error response."""
    try:
        return command(deps, request)
    except (ChatError, RequestError) as error:
        return error_response(error)
    except Exception:
        log.exception("unhandled error parsing %s", getattr(command, "__name__", command))
        return HttpResponse(500, dict(INTERNAL))
