"""Requests both runtimes' hot-path tests send: through the hot path and past it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

ROOM = "hot_room"
ORIGIN = "https://app.example"  # the tests' SECURECHAT_CORS_ORIGINS


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hot: bool = True  # answered by the hot path, not the framework
    chunked: bool = False
    bearer: bool = True

    def with_token(self, token: str) -> Case:
        if not self.bearer:
            return self
        return replace(self, headers={**self.headers, "Authorization": f"Bearer {token}"})

    @staticmethod
    def create_room() -> Case:
        body = json.dumps({"room_id": ROOM, "password": "a hot path password"}).encode()
        headers = {"Content-Type": "application/json"}
        return Case("create", "POST", "/room/create", body, headers, hot=False, bearer=False)


JSON = {"Content-Type": "application/json"}
POST = f"/chat/{ROOM}"


def _post(text: str) -> bytes:
    return json.dumps({"message": text}).encode()


CASES = [
    Case("posted", "POST", POST, _post("hello"), JSON),
    Case("cors", "POST", POST, _post("hello"), {**JSON, "Origin": ORIGIN}),
    Case("no_token", "POST", POST, _post("hello"), JSON, bearer=False),
    Case("bad_json", "POST", POST, b"{not json", JSON),
    Case("not_json_type", "POST", POST, _post("hello"), {"Content-Type": "text/plain"}),
    Case("unknown_field", "POST", POST, json.dumps({"message": "a", "x": 1}).encode(), JSON),
    Case("empty", "POST", POST, _post(""), JSON),
    Case("other_room", "POST", "/chat/no_such_room", _post("hello"), JSON),
    Case("query", "POST", POST + "?a=1", _post("hello"), JSON, hot=False),
    Case("chunked", "POST", POST, _post("hello"), JSON, hot=False, chunked=True),
    Case("trailing_slash", "POST", POST + "/", _post("hello"), JSON, hot=False),
    Case("get", "GET", POST + "/messages", hot=False),
    Case(
        "verify", "POST", POST + "/verify", json.dumps({"password": "x"}).encode(), JSON, hot=False
    ),
]


def comparable(answer: tuple[int, dict[str, str], bytes]) -> tuple[Any, ...]:
    """An answer without what differs from one request to the next (ids, dates)."""
    status, headers, body = answer
    kept = {k.lower(): v for k, v in headers.items() if k.lower() not in ("date", "x-request-id")}
    data = json.loads(body) if body else None
    if isinstance(data, dict) and "message_id" in data:
        data["message_id"] = "<id>"
    return status, kept, data
