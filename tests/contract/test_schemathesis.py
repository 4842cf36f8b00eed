"""Both runtimes serve one OpenAPI document, and schemathesis, with every check it has, finds
nothing against either: no 5xx, no response outside the document, no undocumented status.

Each runtime runs as the real `securechat serve` (memory storage). schemathesis runs as a
subprocess (the `schemathesis` command of this venv) with a bounded number of examples per
operation and a fixed seed; a room and its admin token let it reach the token routes' 2xx.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entrypoints.common import docs_page
from entrypoints.common.routes import served_document
from tests.contract.harness import ServerProcess

RUNTIMES = ("flask", "quart")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 50  # per operation and phase; about half a minute per runtime
SEED = 20261203
PASSWORD = "correct horse battery"  # noqa: S105 - test data


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServerProcess]]:
    started: dict[str, ServerProcess] = {}
    secret = {"SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48)}
    try:
        for runtime in RUNTIMES:
            data_dir = tmp_path_factory.mktemp(f"schemathesis-{runtime}")
            started[runtime] = ServerProcess(runtime, data_dir, "memory", secret).start()
        yield started
    finally:
        for process in started.values():
            process.stop()
    for runtime, process in started.items():
        stderr = process.stderr_text()
        assert "Traceback" not in stderr, f"{runtime} printed a traceback:\n{stderr}"


def test_both_runtimes_serve_the_same_generated_document(
    servers: dict[str, ServerProcess],
) -> None:
    served = {}
    for runtime, process in servers.items():
        response = httpx.get(f"{process.url}/openapi.json", timeout=10)
        assert response.status_code == 200, (runtime, response.text)
        assert response.headers["content-type"].startswith("application/json")
        served[runtime] = response.content
    assert served["flask"] == served["quart"]
    assert json.loads(served["flask"]) == served_document()


def test_both_runtimes_serve_the_docs_page_and_its_files(
    servers: dict[str, ServerProcess],
) -> None:
    for runtime, process in servers.items():
        for asset in docs_page.ASSETS:
            response = httpx.get(f"{process.url}{asset.path}", timeout=10)
            assert response.status_code == 200, (runtime, asset.path)
            assert response.content == docs_page.asset(asset.name).content
            assert response.headers["content-type"].startswith(asset.media_type)
            assert response.headers["content-security-policy"] == docs_page.CSP
            assert response.headers["x-content-type-options"] == "nosniff"


# Its own budget: a few thousand generated requests, bounded by the run's 300 s below.
@pytest.mark.timeout(330)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_schemathesis_finds_nothing(
    servers: dict[str, ServerProcess], runtime: str, tmp_path: Path
) -> None:
    url = servers[runtime].url
    room_id = "st_" + secrets.token_hex(6)
    created = httpx.post(
        f"{url}/room/create", json={"room_id": room_id, "password": PASSWORD}, timeout=10
    )
    assert created.status_code == 201, created.text
    token = created.json()["admin_token"]
    # The token routes use the room the token grants (other ids are 403, as documented),
    # but for the two that would end the token itself (deleting the room, rotating its
    # admin token): they run on generated ids, which grant nothing.
    granted = [
        "post_message",
        "list_messages",
        "room_overview",
        "update_settings",
        "clear_history",
        "delete_message",
    ]
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"[[operations]]\ninclude-operation-id = {granted!r}\n".replace("'", '"')
        + f'parameters = {{ "path.room_id" = "{room_id}" }}\n'
    )
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--header",
        f"Authorization: Bearer {token}",
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - the venv's own schemathesis
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    elapsed = time.monotonic() - started
    report = done.stdout[-20000:] + done.stderr[-5000:]
    assert done.returncode == 0, report
    assert "passed" in done.stdout, report
    print(f"schemathesis on {runtime}: {elapsed:.1f}s\n{done.stdout[-1500:]}")
