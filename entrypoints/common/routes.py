"""`ROUTES`, the one table of the REST surface, in the order the OpenAPI document lists it.

Each runtime registers it in a loop: it turns its framework's request into an HttpRequest,
runs `http_api.answer` (the guard) in the route's lane, passes a `Batched` send through its
batcher, writes the HttpResponse and emits its events after the commit. Each entry
(http_types.Route) names the schemas of its body and query, which the guard decodes before
the view runs, and what it answers; openapi.py documents the table. The entries are written
by area, each next to nothing but its siblings: routes_rooms.py, routes_accounts.py,
routes_admin.py, and the files here; their views are in the matching views_*.py. Adding a
route means a view, its schemas, an entry in its area's table and its place below, nothing
per runtime. Regenerate docs/openapi.json with:

    .venv/bin/python -m entrypoints.common.routes > docs/openapi.json
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import Any

from entrypoints.common import (
    docs_page,
    metrics_view,
    openapi,
    routes_accounts,
    routes_admin,
    routes_audit,
    routes_health,
    routes_rooms,
    routes_sessions,
    web_page,
)
from entrypoints.common.http_types import Reply, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.route_errors import NO_QUERY, PAGE_NOT_BUILT
from entrypoints.common.socket_api import SOCKET_EVENTS
from entrypoints.common.static_files import Asset, Loaded
from entrypoints.common.views_files import document_view, file_view


@functools.cache
def served_document() -> dict[str, Any]:
    """The OpenAPI document of this server: `ROUTES` and the socket events' payloads."""
    return openapi.document(ROUTES, SOCKET_EVENTS)


def _file_routes(
    assets: tuple[Asset, ...],
    load: Callable[[str], Loaded | None],
    errors: Mapping[int, str],
) -> tuple[Route, ...]:
    """A route for each file of a page, read from disk once: in a worker, not the loop."""
    return tuple(
        Route(
            "GET",
            asset.path,
            asset.endpoint,
            file_view(load, asset.name),
            summary=asset.summary,
            ok=Reply(200, asset.summary, media_type=asset.media_type),
            errors=errors,
        )
        for asset in assets
    )


OPENAPI = Route(
    "GET",
    "/openapi.json",
    "openapi",
    document_view(served_document),
    Lane.INLINE,
    summary="This document: the REST API in OpenAPI 3.1.",
    ok=Reply(200, "The document.", media_type="application/json"),
    errors={400: NO_QUERY},
)

ROUTES: tuple[Route, ...] = (
    routes_rooms.CREATE_ROOM,
    routes_rooms.VERIFY_ROOM,
    routes_rooms.RENEW_ROOM_TOKEN,
    routes_accounts.REGISTER,
    routes_accounts.LOGIN,
    routes_accounts.REFRESH,
    routes_accounts.LOGOUT,
    routes_rooms.JOIN_ROOM,
    routes_sessions.START_SESSION,
    routes_sessions.RESUME_SESSION,
    routes_sessions.END_SESSION,
    routes_rooms.POST_MESSAGE,
    routes_accounts.CREATE_PROFILE,
    routes_accounts.GET_PROFILE,
    routes_accounts.UPDATE_PROFILE,
    routes_rooms.LIST_MESSAGES,
    routes_rooms.ROOM_PRESENCE,
    routes_rooms.ROOM_CHANGES,
    routes_admin.DELETE_ROOM,
    routes_admin.CLEAR_HISTORY,
    routes_rooms.DELETE_MESSAGE,
    routes_rooms.EDIT_MESSAGE,
    routes_admin.ROOM_OVERVIEW,
    routes_audit.ROOM_AUDIT,
    routes_admin.UPDATE_SETTINGS,
    routes_admin.ROTATE_ADMIN_TOKEN,
    routes_admin.VERIFY_IP,
    routes_admin.REVOKE_IP,
    routes_admin.TRANSFER_OWNER,
    *routes_admin.MEMBER_ACTION_ROUTES,
    routes_health.HEALTH,
    routes_health.READY,
    metrics_view.METRICS,
    OPENAPI,
    *_file_routes(docs_page.ASSETS, docs_page.asset, {400: NO_QUERY}),
    *_file_routes(web_page.ASSETS, web_page.asset, {400: NO_QUERY, 503: PAGE_NOT_BUILT}),
)


def main() -> None:
    sys.stdout.write(openapi.render(served_document()))


if __name__ == "__main__":
    main()
