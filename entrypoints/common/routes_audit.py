"""`GET /admin/rooms/<room_id>/audit`: the room's audit log, for its admins, paged newest
first (domain/usecases/audit_trail.py writes and reads it)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from domain.model.audit import AUDIT_PAGE_MAX, AuditAction
from domain.model.policies import Claims
from domain.usecases.audit_trail import room_audit
from domain.usecases.deps import Deps
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse, Reply, Route
from entrypoints.common.route_errors import ADMIN_UNAUTHORIZED, NOT_A_SEGMENT, NOT_ADMIN
from entrypoints.common.schemas import CURSOR_PATTERN, Input, Output, documented
from entrypoints.common.shapes import iso_ms

AUDIT_PAGE_DEFAULT = 50


class AuditQuery(Input):
    limit: Annotated[
        int,
        documented(f"How many entries, 1-{AUDIT_PAGE_MAX}.", minimum=1, maximum=AUDIT_PAGE_MAX),
    ] = AUDIT_PAGE_DEFAULT
    before: Annotated[
        str, documented("An entry id: the page ends just before it.", pattern=CURSOR_PATTERN)
    ] = ""


class AuditEntryOut(Output):
    id: str
    at: Annotated[str, Meta(description="When (ISO 8601, UTC).")]
    action: Annotated[
        str, Meta(description="What: " + ", ".join(f"`{a.value}`" for a in AuditAction) + ".")
    ]
    actor: Annotated[str, Meta(description="Who did it: an identity's user id.")]
    target: Annotated[str | None, Meta(description="Whom it was done to, if anyone.")]
    address: Annotated[str, Meta(description="The client address it came from.")]
    detail: Annotated[
        str, Meta(description="Which settings changed, a network, how many messages cleared.")
    ]


class AuditPage(Output):
    room_id: str
    entries: Annotated[list[AuditEntryOut], Meta(description="Newest first.")]
    next_before: Annotated[
        str | None, Meta(description="The `before` of the next (older) page; null at the end.")
    ]


def audit_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, query: AuditQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    entries = room_audit(
        deps, claims, room_id, query.limit, query.before or None, request.client
    ).value
    body = {
        "room_id": room_id,
        "entries": [
            {
                "id": e.id,
                "at": iso_ms(e.at_ms),
                "action": e.action.value,
                "actor": e.actor,
                "target": e.target,
                "address": e.address,
                "detail": e.detail,
            }
            for e in entries
        ],
        "next_before": entries[-1].id if len(entries) == query.limit else None,
    }
    return HttpResponse(200, body)


ROOM_AUDIT = Route(
    "GET",
    "/admin/rooms/<room_id>/audit",
    "room_audit",
    audit_view,
    query=AuditQuery,
    summary="The room's audit log, newest first: sign-ins to it aside, who created it, "
    "kicked, banned, unbanned, promoted, demoted, verified or revoked an address, changed "
    "its settings or password, rotated its admin token, cleared its history, from where "
    "and when. Its admins only.",
    ok=Reply(200, "A page.", AuditPage),
    errors={
        400: f"`limit` outside 1-{AUDIT_PAGE_MAX} (`invalid_limit`), a malformed cursor "
        "(`invalid_cursor`) or an unknown parameter (`invalid_query`); a bad room id.",
        401: ADMIN_UNAUTHORIZED,
        403: NOT_ADMIN,
        404: NOT_A_SEGMENT,
    },
    bearer=True,
)
