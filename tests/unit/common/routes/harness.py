"""The harness of the route tests (test_*_routes.py, one per module of the table): every
entry of `ROUTES` (entrypoints/common/routes.py) is called directly over the memory adapters,
no server, the way both shells call it (entrypoints/flask/shell.py,
entrypoints/quart/shell.py): `http_api.answer`, a `Batched` send through the batch function
and `respond`, then `ServerBase.encode` and the emits of the response's events."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from werkzeug.datastructures import Headers

from domain.model.members import Role
from entrypoints.common import http_api
from entrypoints.common.batching import Batched
from entrypoints.common.bootstrap import Core
from entrypoints.common.http_api import respond
from entrypoints.common.http_types import HttpRequest, HttpResponse
from entrypoints.common.routes import ROUTES
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.socket_events import Emit, emits_for
from tests.support import PASSWORD, Coverage, World

F = TypeVar("F", bound=Callable[..., None])


covered = Coverage()


BY_ENDPOINT = {route.endpoint: route for route in ROUTES}


JSON = "application/json"


@dataclass
class Answered:
    """What a shell writes and emits for one request."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    events: list[object] = field(default_factory=list)
    emits: list[Emit] = field(default_factory=list)

    @property
    def code(self) -> str | None:
        return self.body.get("code")


class Http:
    """A runtime shell without the framework: request in, what it would write out."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.base = ServerBase(Settings(), Core(Settings(), world.deps))
        self.batches: list[int] = []

    def call(
        self,
        endpoint: str,
        *,
        path: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        json_body: object = None,
        body: bytes | None = None,
        content_type: str | None = JSON,
        token: str | None = None,
        client: str = "",
        headers: dict[str, str] | None = None,
    ) -> Answered:
        route = BY_ENDPOINT[endpoint]
        extra, headers = headers, Headers()
        for name, value in (extra or {}).items():
            headers.add(name, value)
        if content_type is not None and route.body is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if body is None:
            body = json.dumps(json_body).encode() if json_body is not None else b""
        request = HttpRequest(route.method, path or {}, query or {}, headers, body, client=client)
        answer = http_api.answer(self.base.deps, route, request)
        if isinstance(answer, Batched):  # what the shells' batchers do with a send
            self.batches.append(1)
            answer = respond(answer, self.base.send_batch([answer.command])[0])
        assert isinstance(answer, HttpResponse)
        status, encoded, out_headers = self.base.encode(answer)
        if isinstance(answer.body, bytes):  # the docs page and its assets
            return Answered(status, {"raw": encoded}, out_headers)
        return Answered(
            status, json.loads(encoded), out_headers, list(answer.events), emits_for(answer.events)
        )

    def room(self, room_id: str = "lobby") -> str:
        """A created room's admin token."""
        made = self.call("create_room", json_body={"room_id": room_id, "password": PASSWORD})
        assert made.status == 201, made.body
        return str(made.body["admin_token"])

    def member(self, room_id: str = "lobby", username: str | None = None) -> str:
        data = {"password": PASSWORD} | ({"username": username} if username else {})
        got = self.call("verify_room", path={"room_id": room_id}, json_body=data)
        assert got.status == 200, got.body
        return str(got.body["token"])


def assert_error(answered: Answered, status: int, code: str) -> None:
    assert (answered.status, answered.code) == (status, code), answered.body
    assert set(answered.body) == {"error", "code"} and answered.body["error"]
    assert answered.headers["Content-Type"].startswith(JSON)
    assert answered.events == [] and answered.emits == []
    if status == 401:
        assert answered.headers["WWW-Authenticate"] == 'Bearer realm="securechat"'


def registered_user(http: Http, username: str = "alice") -> dict[str, Any]:
    got = http.call("register", json_body={"username": username, "password": PASSWORD})
    assert got.status == 201, got.body
    return got.body


def post_text(http: Http, token: str, text: str = "hi", room_id: str = "lobby") -> str:
    posted = http.call(
        "post_message", path={"room_id": room_id}, json_body={"message": text}, token=token
    )
    assert posted.status == 201, posted.body
    return str(posted.body["message_id"])


def admin_member_token(http: Http, room_id: str = "lobby") -> str:
    """A user token of a member whose role is admin (promotion has no route yet)."""
    user = registered_user(http, "boss")
    token = user["access_token"]
    http.call("join_room", path={"room_id": room_id}, json_body={"password": PASSWORD}, token=token)
    store = http.world.store_factory.store
    key = (room_id, user["user_id"])
    store.memberships[key] = dataclasses.replace(store.memberships[key], role=Role.ADMIN)
    return str(token)


def act_on(http: Http, action: str, user_id: str, token: str | None) -> Answered:
    return http.call(
        f"{action}_member", path={"room_id": "lobby"}, json_body={"user_id": user_id}, token=token
    )


def lobby_guest(http: Http, address: str = "") -> tuple[str, str]:
    """A guest of the lobby bought from `address`: its token and user id."""
    route = BY_ENDPOINT["verify_room"]
    headers = Headers({"Content-Type": JSON})
    body = json.dumps({"password": PASSWORD}).encode()
    request = HttpRequest("POST", {"room_id": "lobby"}, {}, headers, body, client=address)
    answer = http_api.answer(http.base.deps, route, request)
    assert isinstance(answer, HttpResponse) and answer.status == 200, answer.body
    assert isinstance(answer.body, dict)
    return str(answer.body["token"]), str(answer.body["user_id"])
