"""Files and documents: the views of the OpenAPI document and of the pages' files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.usecases.deps import Deps
from entrypoints.common import openapi, web_page
from entrypoints.common.errors import RequestError, TransportCode
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse, View
from entrypoints.common.schemas import NoQuery
from entrypoints.common.static_files import Loaded


def document_view(document: Callable[[], dict[str, Any]]) -> View:
    """The view of the OpenAPI document (routes.served_document, passed in: the table that
    holds this view is what the document describes)."""

    def view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
        return HttpResponse(200, document(), headers=dict(openapi.HEADERS))

    return view


def file_view(load: Callable[[str], Loaded | None], name: str) -> View:
    """The view of one file of a page (static_files.py): the docs page's, or the chat
    page's, which answers 503 until it is built."""

    def view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
        loaded = load(name)
        if loaded is None:
            raise RequestError(TransportCode.PAGE_NOT_BUILT, web_page.NOT_BUILT)
        return HttpResponse(200, loaded.content, headers=dict(loaded.headers))

    return view
