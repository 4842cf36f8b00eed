"""Health for load balancers: `/healthz` answers while the process does; `/readyz` when
its database (and Redis, when configured) answers too, else 503 naming the part."""

from __future__ import annotations

from pathlib import Path

from tests.contract.client import Api, assert_error
from tests.contract.harness import ServerProcess
from tests.contract.private_redis import PrivateRedis


def test_healthz_answers(api: Api) -> None:
    response = api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_each_part_it_asked(api: Api, storage: str) -> None:
    response = api.http.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    # The memory store has no part to ask; a database answers as `database`.
    assert body["checks"] == ({} if storage == "memory" else {"database": "ok"})


def test_health_routes_take_no_query(api: Api) -> None:
    for path in ("/healthz", "/readyz"):
        assert_error(api.http.get(path, params={"x": "1"}), 400, "invalid_query")


def _redis_server(runtime: str, data_dir: Path, jwt_secret: str, url: str) -> ServerProcess:
    env = {"SECURECHAT_JWT_SECRET": jwt_secret, "SECURECHAT_REDIS_URL": url}
    return ServerProcess(runtime, data_dir, "memory", env).start()


def test_readyz_asks_redis_when_it_is_configured(
    runtime: str, tmp_path: Path, jwt_secret: str
) -> None:
    (tmp_path / "redis").mkdir()
    private = PrivateRedis(tmp_path / "redis").start()  # ours to stop, not the shared one
    node = _redis_server(runtime, tmp_path / "node", jwt_secret, private.url)
    api = Api(node.url)
    try:
        ready = api.http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"redis": "ok"}
        private.stop()
        response = api.http.get("/readyz")
        body = assert_error(response, 503, "unavailable")
        assert body["error"].startswith("not ready: redis does not answer")
        assert response.headers["Retry-After"] == "1"
        assert api.http.get("/healthz").status_code == 200  # alive all the same
    finally:
        api.close()
        node.stop()
        private.stop()
    assert "Traceback" not in node.stderr_text()
