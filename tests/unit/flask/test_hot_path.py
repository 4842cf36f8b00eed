"""The hot path answers a REST post in front of Flask, as Flask's own route would."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from entrypoints.common.settings import Settings
from entrypoints.flask.app import create_app
from entrypoints.flask.edge import EdgeMiddleware
from entrypoints.flask.hot_path import HotPathMiddleware
from tests.unit.common.hot_path_cases import CASES, Case, comparable

Answer = tuple[int, dict[str, str], bytes]


class Recorder:
    """The WSGI app behind the hot path (engine.io, then Flask), noting what reaches it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.paths.append(environ["PATH_INFO"])
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


def _call(app: Any, case: Case) -> Answer:
    builder = EnvironBuilder(
        path=case.path,
        method=case.method,
        data=case.body,
        headers=list(case.headers.items()),
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    environ = builder.get_environ()
    if case.chunked:
        del environ["CONTENT_LENGTH"]
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[tuple[Any, HotPathMiddleware, Recorder]]:
    settings = Settings.from_env(
        {"SECURECHAT_DATA_DIR": str(tmp_path), "SECURECHAT_CORS_ORIGINS": "https://app.example"}
    )
    app, _ = create_app(settings)
    edge = app.wsgi_app
    assert isinstance(edge, EdgeMiddleware)
    hot = edge.app  # the edge middleware's inner app
    assert isinstance(hot, HotPathMiddleware)
    recorder = Recorder(hot.app)
    hot.app = recorder
    yield edge, hot, recorder
    hot.base.core.close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_hot_path_answers_as_flask_does(
    wired: tuple[Any, HotPathMiddleware, Recorder], case: Case
) -> None:
    edge, hot, recorder = wired
    status, headers, body = _call(edge, Case.create_room())
    assert status == 201, body
    token = json.loads(body)["admin_token"]
    recorder.paths.clear()
    case = case.with_token(token)
    hot_answer = _call(edge, case)
    # A chunked body reaches the hot path sized: the edge middleware has read it (bounded).
    assert (recorder.paths == []) is (case.hot or case.chunked), recorder.paths
    framework_answer = _call(recorder.app, case)  # the same request, past the hot path
    assert comparable(hot_answer) == comparable(framework_answer)
