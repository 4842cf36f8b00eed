"""Health: `GET /healthz` (the process answers) and `GET /readyz` (the parts it needs do:
the database, and Redis when configured), for load balancers and orchestrators."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from domain.model.errors import ErrorCode
from domain.usecases.deps import Deps
from domain.usecases.health import readiness
from entrypoints.common.errors import UNAVAILABLE_RETRY_S, error_body
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse, Reply, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.route_errors import NO_QUERY
from entrypoints.common.schemas import NoQuery, Output

Checks = Annotated[
    dict[str, str],
    Meta(
        description="Each part by name (`database`, `redis` when configured): `ok`, or why "
        "it does not answer. The memory store has none."
    ),
]


class HealthOut(Output):
    status: Annotated[str, Meta(description="Always `ok`: the process answers.")]


class ReadyOut(Output):
    status: Annotated[str, Meta(description="`ready`.")]
    checks: Checks


def health_view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
    return HttpResponse(200, {"status": "ok"}, headers={"Cache-Control": "no-store"})


def ready_view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
    found = readiness(deps)
    checks = {name: why or "ok" for name, why in found.items()}
    failing = sorted(name for name, why in found.items() if why is not None)
    headers = {"Cache-Control": "no-store"}
    if not failing:
        return HttpResponse(200, {"status": "ready", "checks": checks}, headers=headers)
    why = "; ".join(f"{name} does not answer ({found[name]})" for name in failing)
    body: dict[str, Any] = error_body(ErrorCode.UNAVAILABLE, f"not ready: {why}")
    headers["Retry-After"] = str(UNAVAILABLE_RETRY_S)
    return HttpResponse(503, body, headers=headers)


HEALTH = Route(
    "GET",
    "/healthz",
    "healthz",
    health_view,
    Lane.INLINE,
    summary="Liveness: the process answers (nothing else is asked).",
    ok=Reply(200, "Alive.", HealthOut),
    errors={400: NO_QUERY},
)

READY = Route(
    "GET",
    "/readyz",
    "readyz",
    ready_view,
    Lane.WORKER,
    summary="Readiness: the database (and Redis, when SECURECHAT_REDIS_URL is set) answers.",
    ok=Reply(200, "Ready: every part answers.", ReadyOut),
    errors={
        400: NO_QUERY,
        503: "A part does not answer (`unavailable`): the message names it and why; "
        "see Retry-After.",
    },
)
