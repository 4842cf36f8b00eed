"""The OpenAPI document is generated from the route table, its schemas and the error table;
docs/openapi.json is exactly that output; the docs page is served from installed files."""

from __future__ import annotations

from pathlib import Path

from entrypoints.common import docs_page, openapi
from entrypoints.common.errors import STATUS
from entrypoints.common.http_api import answer
from entrypoints.common.http_types import HttpRequest, HttpResponse
from entrypoints.common.routes import ROUTES, served_document
from entrypoints.common.socket_api import SOCKET_EVENTS
from tests.support import World

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
ROUTE = {route.endpoint: route for route in ROUTES}


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text() == openapi.render(served_document()), (
        "docs/openapi.json is stale: "
        ".venv/bin/python -m entrypoints.common.routes > docs/openapi.json"
    )


def test_each_route_documents_only_statuses_the_error_table_can_give() -> None:
    for route in ROUTES:
        assert 200 <= route.ok.status < 300
        assert set(route.errors) <= set(STATUS.values()), route.endpoint


def test_inputs_refuse_fields_they_do_not_name_and_say_so() -> None:
    schemas = served_document()["components"]["schemas"]
    for route in ROUTES:
        if route.body is not None:
            assert schemas[route.body.__name__]["additionalProperties"] is False
            assert 400 in route.errors
    for event in SOCKET_EVENTS:
        assert schemas[event.schema.__name__]["additionalProperties"] is False
    assert set(served_document()["x-socket-events"]) == {e.name for e in SOCKET_EVENTS}


def test_a_route_that_takes_a_token_documents_the_refusal_and_its_challenge() -> None:
    for route in ROUTES:
        operation = openapi.operation(route)
        assert ("security" in operation) == (route.bearer or route.bearer_optional)
        if route.bearer_optional or route.password_field:
            assert operation["security"] == [{"bearer": []}, {}]  # a token, or none
        if route.bearer or route.bearer_optional:
            challenge = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            assert challenge["required"] is True


def test_the_document_is_served_as_generated(world: World) -> None:
    response = answer(world.deps, ROUTE["openapi"], HttpRequest("GET", {}, {}, {}))
    assert isinstance(response, HttpResponse)
    assert response.status == 200 and response.body == served_document()


def test_the_docs_page_loads_only_files_of_this_server() -> None:
    page = docs_page.asset("index.html").content.decode()
    assert "<script>" not in page and "http" not in page.replace("http-equiv", "")
    for asset in docs_page.ASSETS:
        loaded = docs_page.asset(asset.name)
        assert loaded.content, asset.name
        headers = dict(loaded.headers)
        assert headers["Content-Type"].startswith(asset.media_type)
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert b"SwaggerUIBundle" in docs_page.asset("swagger-ui-bundle.js").content


def test_the_docs_routes_serve_the_files(world: World) -> None:
    for asset in docs_page.ASSETS:
        response = answer(world.deps, ROUTE[asset.endpoint], HttpRequest("GET", {}, {}, {}))
        assert isinstance(response, HttpResponse)
        assert response.status == 200
        assert response.body == docs_page.asset(asset.name).content
        assert response.headers["Content-Type"].startswith(asset.media_type)
