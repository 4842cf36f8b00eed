"""docs/openapi.json describes exactly the routes and error codes the code has."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from entrypoints.common.errors import STATUS
from entrypoints.common.routes import ROUTES

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[3] / "docs" / "openapi.json").read_text()
)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(\w+)>", r"{\1}", rule)


def test_every_route_is_described_and_nothing_else() -> None:
    code = {(_openapi_path(r.rule), r.method.lower(), r.endpoint) for r in ROUTES}
    described = {
        (path, method, operation["operationId"])
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
    }
    assert described == code


def test_the_error_schema_lists_every_stable_code() -> None:
    enum = SPEC["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert sorted(enum) == sorted(str(code) for code in STATUS)


def test_documented_statuses_are_ones_the_error_table_can_give() -> None:
    possible = {str(status) for status in STATUS.values()}
    for item in SPEC["paths"].values():
        for operation in item.values():
            for status in operation["responses"]:
                assert status.startswith("2") or status in possible, status
