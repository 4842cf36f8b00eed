"""The route table as a whole: a view that raises is a 500, and each route has a test of its
success and of at least one refusal (in the test_*_routes.py modules, imported here for
their marks); the last test fails if a route is added to the table without them."""

from __future__ import annotations

import dataclasses

import pytest
from werkzeug.datastructures import Headers

from entrypoints.common import http_api
from entrypoints.common.http_types import HttpRequest, HttpResponse
from entrypoints.common.routes import ROUTES
from tests.unit.common.routes import (  # noqa: F401 - imported for their coverage marks
    test_account_routes,
    test_admin_routes,
    test_change_routes,
    test_file_routes,
    test_member_action_routes,
    test_message_routes,
    test_network_routes,
    test_room_routes,
)
from tests.unit.common.routes.harness import BY_ENDPOINT, Http, covered


def test_a_view_that_raises_is_a_500_not_a_traceback(
    http: Http, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_: object) -> HttpResponse:
        raise RuntimeError("boom")

    route = dataclasses.replace(BY_ENDPOINT["list_messages"], view=explode)
    headers = Headers({"Authorization": f"Bearer {http.room()}"})
    request = HttpRequest("GET", {"room_id": "lobby"}, {}, headers)
    with caplog.at_level("ERROR", logger="securechat.http"):
        answer = http_api.answer(http.base.deps, route, request)
    assert isinstance(answer, HttpResponse)
    assert (answer.status, answer.body["code"]) == (500, "internal_error")
    assert "unhandled error in list_messages" in caplog.text


def test_every_route_has_a_direct_test_of_its_success_and_of_a_refusal() -> None:
    assert [r.endpoint for r in ROUTES] == list(BY_ENDPOINT), "endpoint names must be unique"
    assert covered.gaps(BY_ENDPOINT) == []
