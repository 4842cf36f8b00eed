"""`GET /metrics` (Prometheus's text format), closed unless configured: a scrape from an
address of SECURECHAT_METRICS_ALLOW or with the bearer SECURECHAT_METRICS_TOKEN reads it;
anyone else gets 404 `not_found`, as if there were no such endpoint. And `note_refusal`,
how an answer counts among the refusals."""

from __future__ import annotations

from domain.usecases.deps import Deps
from entrypoints.common.errors import TransportCode, error_body
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse, Reply, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.payloads import bearer_token
from entrypoints.common.route_errors import NO_QUERY
from entrypoints.common.schemas import NoQuery
from ports.metrics import Metrics

CLOSED = (
    "Not opened to this client (`not_found`, the answer to a path that does not exist): "
    "neither an address of SECURECHAT_METRICS_ALLOW nor the bearer SECURECHAT_METRICS_TOKEN."
)


def note_refusal(metrics: Metrics, response: HttpResponse, surface: str) -> None:
    """Count an error answer by its code (cheap: one append)."""
    if response.status >= 400 and isinstance(response.body, dict):
        metrics.refused(str(response.body.get("code")), surface)


def metrics_view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
    bearer = bearer_token(request.headers.get("Authorization"))
    if not deps.metrics.admits(request.client, bearer):
        return HttpResponse(404, error_body(TransportCode.NOT_FOUND, "no such endpoint"))
    body, content_type = deps.metrics.exposition()
    return HttpResponse(
        200, body, headers={"Content-Type": content_type, "Cache-Control": "no-store"}
    )


METRICS = Route(
    "GET",
    "/metrics",
    "metrics",
    metrics_view,
    Lane.WORKER,
    summary="Operational metrics in Prometheus's text format (connections, joined rooms, "
    "socket events and messages, refusals by code, send-to-ack latency, database errors, "
    "rate-limit refusals). Closed by default.",
    ok=Reply(200, "The metrics.", media_type="text/plain"),
    errors={404: CLOSED, 400: NO_QUERY},
)
