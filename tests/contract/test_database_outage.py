"""A real database outage under traffic: Postgres behind a TCP proxy that the test cuts for
a few seconds (the shared Postgres is never stopped). Requests are answered 503
`unavailable` with Retry-After at once, socket events get an error ack, /readyz names the
database, the log has one line for the outage (no traceback per request), and everything
works again when it returns, without a restart; nothing acknowledged is lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from adapters.sqlalchemy import migrations
from tests.conftest import fresh_postgres_schema
from tests.contract.client import Api, assert_error
from tests.contract.harness import ServerProcess, wait_until
from tests.contract.tcp_proxy import TcpProxy

ANSWER_DEADLINE_S = 5.0  # "within a second", with room for a loaded shared machine
RETURN_DEADLINE_S = 30.0


@pytest.fixture
def proxied_postgres(postgres_available: None) -> Iterator[tuple[str, TcpProxy]]:
    """A fresh migrated schema, and its URL through a proxy the test can cut."""
    for url in fresh_postgres_schema():
        migrations.upgrade(url)
        parsed = make_url(url)
        proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432)).start()
        try:
            yield parsed.set(port=proxy.port).render_as_string(hide_password=False), proxy
        finally:
            proxy.close()


def _timed(send: object) -> tuple[object, float]:
    started = time.monotonic()
    result = send()  # type: ignore[operator]
    return result, time.monotonic() - started


def test_a_database_outage_is_answered_and_recovered_without_a_restart(
    runtime: str, tmp_path: Path, jwt_secret: str, proxied_postgres: tuple[str, TcpProxy]
) -> None:
    url, proxy = proxied_postgres
    server = ServerProcess(runtime, tmp_path / "data", url, {"SECURECHAT_JWT_SECRET": jwt_secret})
    server.start()
    api = Api(server.url)
    try:
        room = api.create_room()
        token = api.token(room)
        acknowledged: list[str] = []
        client = api.socket(token)
        assert client.call("join", {"room": room.room_id}, timeout=10)["ok"] is True
        for n in range(3):
            assert api.post(room.room_id, token, f"before {n}").status_code == 201
            acknowledged.append(f"before {n}")
        ack = client.call("message", {"room": room.room_id, "message": "socket before"}, timeout=10)
        assert ack["ok"] is True
        acknowledged.append("socket before")

        proxy.cut()
        for n in range(5):  # traffic through the outage: each answered, none stored
            response, took = _timed(lambda n=n: api.post(room.room_id, token, f"during {n}"))
            body = assert_error(response, 503, "unavailable")  # type: ignore[arg-type]
            assert "database" in body["error"]
            assert response.headers["Retry-After"] == "1"  # type: ignore[union-attr]
            assert took < ANSWER_DEADLINE_S
            read = api.messages(room.room_id, token)
            assert_error(read, 503, "unavailable")
            ack, took = _timed(
                lambda n=n: client.call(
                    "message", {"room": room.room_id, "message": f"socket during {n}"}, timeout=10
                )
            )
            assert ack["ok"] is False and ack["code"] == "unavailable", ack  # type: ignore[index]
            assert ack["retry_after"] == 1  # type: ignore[index]
            assert took < ANSWER_DEADLINE_S
        ready = api.http.get("/readyz")
        assert_error(ready, 503, "unavailable")
        assert ready.json()["error"].startswith("not ready: database does not answer")
        assert api.http.get("/healthz").status_code == 200

        proxy.restore()
        assert wait_until(
            lambda: api.http.get("/readyz").status_code == 200, timeout=RETURN_DEADLINE_S
        ), "the server did not see the database return"
        for n in range(3):
            assert api.post(room.room_id, token, f"after {n}").status_code == 201
            acknowledged.append(f"after {n}")
        ack = client.call("message", {"room": room.room_id, "message": "socket after"}, timeout=10)
        assert ack["ok"] is True, ack
        acknowledged.append("socket after")
        stored = api.texts(room.room_id, token)
        assert [t for t in stored if t in acknowledged] == acknowledged  # all, in order
        assert not [t for t in stored if "during" in t]  # refused means not stored
        client.disconnect()
    finally:
        api.close()
        server.stop()
    log = server.stderr_text()
    assert "Traceback" not in log, log
    assert log.count("database unavailable") == 1, log
    assert log.count("database available again") == 1, log
