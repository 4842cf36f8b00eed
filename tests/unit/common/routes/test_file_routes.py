"""routes.py's own entries, called directly: the OpenAPI document, and the files of the docs
page and of the chat page."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.common import docs_page, web_page
from tests.unit.common.routes.harness import F, Http, assert_error, covered


@covered.success("openapi")
def test_the_document_is_served(http: Http) -> None:
    got = http.call("openapi")
    assert got.status == 200 and got.body["openapi"].startswith("3.1")
    assert set(got.body["paths"]) >= {"/room/create", "/chat/{room_id}/messages"}


@covered.refusal("openapi")
def test_the_document_takes_no_query(http: Http) -> None:
    assert_error(http.call("openapi", query={"x": "1"}), 400, "invalid_query")


DOCS_ENDPOINTS = [asset.endpoint for asset in docs_page.ASSETS]


def _covers_every_docs_file(test: F) -> F:
    for endpoint in DOCS_ENDPOINTS:
        test = covered.refusal(endpoint)(covered.success(endpoint)(test))
    return test


@_covers_every_docs_file
@pytest.mark.parametrize("endpoint", DOCS_ENDPOINTS)
def test_each_docs_file_is_served_with_its_type_and_takes_no_query(
    http: Http, endpoint: str
) -> None:
    asset = next(a for a in docs_page.ASSETS if a.endpoint == endpoint)
    got = http.call(endpoint)
    assert got.status == 200 and len(got.body["raw"]) > 100
    assert got.headers["Content-Type"].startswith(asset.media_type)
    assert_error(http.call(endpoint, query={"x": "1"}), 400, "invalid_query")


PAGE_ENDPOINTS = [asset.endpoint for asset in web_page.ASSETS]


def _covers_every_page_file(test: F) -> F:
    for endpoint in PAGE_ENDPOINTS:
        test = covered.refusal(endpoint)(covered.success(endpoint)(test))
    return test


@pytest.fixture
def built_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dist/ of the page with a file of each name (the real build is the browser tests')."""
    for asset in web_page.ASSETS:
        target = tmp_path / asset.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"/* {asset.name} */")
    monkeypatch.setattr(web_page, "DIST", tmp_path)
    return tmp_path


@_covers_every_page_file
@pytest.mark.parametrize("endpoint", PAGE_ENDPOINTS)
def test_each_page_file_is_served_with_its_type_a_strict_policy_and_takes_no_query(
    http: Http, built_page: Path, endpoint: str
) -> None:
    asset = next(a for a in web_page.ASSETS if a.endpoint == endpoint)
    got = http.call(endpoint)
    assert got.status == 200 and got.body["raw"] == f"/* {asset.name} */".encode()
    assert got.headers["Content-Type"].startswith(asset.media_type)
    policy = got.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert_error(http.call(endpoint, query={"x": "1"}), 400, "invalid_query")


@pytest.mark.parametrize("endpoint", PAGE_ENDPOINTS)
def test_a_page_not_built_is_503_in_words(
    http: Http, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    monkeypatch.setattr(web_page, "DIST", tmp_path / "nothing")
    got = http.call(endpoint)
    assert_error(got, 503, "page_not_built")
    assert "securechat build-web" in got.body["error"]
