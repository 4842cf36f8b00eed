"""The OpenAPI 3.1 document, generated from the route table, its schemas and the error table.

Both runtimes serve it at GET /openapi.json (a route of `routes.ROUTES`, which calls
`document`; this module imports no table); docs/openapi.json is the same document, committed
for readers, and a test keeps it equal to this output. Regenerate it with:

    .venv/bin/python -m entrypoints.common.routes > docs/openapi.json
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from entrypoints.common.errors import STATUS
from entrypoints.common.schemas import PATH_PARAMETERS

if TYPE_CHECKING:
    from entrypoints.common.http_types import Route
    from entrypoints.common.socket_connections import SocketEvent

VERSION = "0.1.0"
REF = "#/components/schemas/{name}"
ERROR_REF = {"$ref": REF.format(name="Error")}
HEADERS = (("Cache-Control", "no-cache"),)

DESCRIPTION = (
    "REST half of the Secure Chat API; a human page over this document is served at /docs. "
    "The Socket.IO half (events `join`, `message`, `leave`, `reaction`, `edit`, whose "
    "payloads are the schemas named in `x-socket-events`; broadcasts `message`, `status`, "
    "`online_count`, `reaction_update`, `message_edited`) is described "
    'in README.md. Every error is `{"error", "code"}` with a 4xx status; `code` is '
    "stable, `error` is for humans. Every input refuses a field it does not name "
    "(`unexpected_field`)."
)


def document(routes: Sequence[Route], events: Iterable[SocketEvent[Any]] = ()) -> dict[str, Any]:
    """The OpenAPI document of `routes` (and the payload schemas of socket `events`)."""
    events = tuple(events)
    structs: list[Any] = [r.body for r in routes if r.body is not None]
    structs += [r.ok.schema for r in routes if r.ok.schema is not None]
    structs += [event.schema for event in events]
    _, components = msgspec.json.schema_components(structs, ref_template=REF)
    components["Error"] = error_schema()
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Secure Chat API", "version": VERSION, "description": DESCRIPTION},
        "paths": {},
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A room token from /verify or the admin token from "
                    "/room/create.",
                }
            },
            "schemas": {name: components[name] for name in sorted(components)},
        },
    }
    if events:
        doc["x-socket-events"] = {
            event.name: {"$ref": REF.format(name=event.schema.__name__)} for event in events
        }
    for route in routes:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule)
        doc["paths"].setdefault(path, {})[route.method.lower()] = operation(route)
    return doc


def operation(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.endpoint, "summary": route.summary}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": path_schema(name)}
        for name in re.findall(r"<(?:\w+:)?(\w+)>", route.rule)
    ]
    parameters += query_parameters(route.query)
    if parameters:
        op["parameters"] = parameters
    if route.body is not None:
        op["requestBody"] = {
            "required": not route.body_optional,
            "content": {"application/json": {"schema": {"$ref": _ref(route.body)}}},
        }
    if route.bearer_optional or (route.bearer and route.password_field):
        # A token, or none (then the body's password field may be the proof).
        op["security"] = [{"bearer": []}, {}]
    elif route.bearer:
        op["security"] = [{"bearer": []}]
    ok = route.ok
    if ok.schema is not None:
        schema: dict[str, Any] = {"$ref": _ref(ok.schema)}
    elif ok.media_type == "application/json":
        schema = {"type": "object"}
    else:
        schema = {"type": "string"}
    responses: dict[str, Any] = {
        str(ok.status): {
            "description": ok.description,
            "content": {ok.media_type: {"schema": schema}},
        }
    }
    for status in sorted(route.errors):
        response: dict[str, Any] = {
            "description": route.errors[status],
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {"required": True, "schema": {"type": "string"}}
            }
        responses[str(status)] = response
    op["responses"] = responses
    return op


def path_schema(name: str) -> dict[str, Any]:
    return dict(msgspec.json.schema(PATH_PARAMETERS[name]))


def query_parameters(query: type[msgspec.Struct]) -> list[dict[str, Any]]:
    _, components = msgspec.json.schema_components([query], ref_template=REF)
    schema = components[query.__name__]
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def error_schema() -> dict[str, Any]:
    """Every error body: a human message and a stable code, every code of the error table."""
    return {
        "type": "object",
        "required": ["error", "code"],
        "additionalProperties": False,
        "properties": {
            "error": {"type": "string", "description": "A human message."},
            "code": {"type": "string", "enum": sorted(str(code) for code in STATUS)},
        },
    }


def _ref(struct: type[msgspec.Struct]) -> str:
    return REF.format(name=struct.__name__)


def render(doc: dict[str, Any]) -> str:
    """The document as docs/openapi.json holds it."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
