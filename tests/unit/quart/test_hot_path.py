"""The hot path answers a REST post in front of Quart, as Quart's own route would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from entrypoints.common.settings import Settings
from entrypoints.quart.app import create_app
from entrypoints.quart.hot_path import HotPathMiddleware
from tests.unit.common.hot_path_cases import CASES, Case, comparable

Answer = tuple[int, dict[str, str], bytes]


class Recorder:
    """The ASGI app behind the hot path (engine.io, then Quart), noting what reaches it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await self.app(scope, receive, send)


async def _call(app: Any, case: Case) -> Answer:
    path, _, query = case.path.partition("?")
    headers = [(b"host", b"localhost")]
    headers += [(k.lower().encode(), v.encode()) for k, v in case.headers.items()]
    if case.chunked:
        headers.append((b"transfer-encoding", b"chunked"))
    else:
        headers.append((b"content-length", str(len(case.body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "extensions": {},
    }
    messages = [{"type": "http.request", "body": case.body, "more_body": False}]
    seen: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # no disconnect while the answer is written
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
            seen["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            seen["body"] += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), 30)
    return seen["status"], seen["headers"], seen["body"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_hot_path_answers_as_quart_does(tmp_path: Path, case: Case) -> None:
    settings = Settings.from_env(
        {"SECURECHAT_DATA_DIR": str(tmp_path), "SECURECHAT_CORS_ORIGINS": "https://app.example"}
    )
    edge = create_app(settings)
    hot = edge.app  # the edge middleware's inner app
    assert isinstance(hot, HotPathMiddleware)
    recorder = Recorder(hot.app)
    hot.app = recorder

    async def run() -> None:
        status, _, body = await _call(edge, Case.create_room())
        assert status == 201, body
        token = json.loads(body)["admin_token"]
        recorder.paths.clear()
        request = case.with_token(token)
        hot_answer = await _call(edge, request)
        assert (recorder.paths == []) is case.hot, recorder.paths
        framework_answer = await _call(recorder.app, request)  # past the hot path
        assert comparable(hot_answer) == comparable(framework_answer)

    try:
        asyncio.run(run())
    finally:
        hot.base.core.close()
