"""GET /metrics: closed (404) unless a scrape brings the configured bearer token or comes
from an allowed address; after traffic it shows messages, events, refusals by code, the
send-to-ack latency and rate-limit refusals; with PROMETHEUS_MULTIPROC_DIR, a scrape of
one process counts every process's traffic."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.contract.client import Api, assert_error
from tests.contract.harness import ServerProcess, wait_until

TOKEN = secrets.token_urlsafe(24)
SERVER_ENV = {"SECURECHAT_METRICS_TOKEN": TOKEN}
OTHER = {"flask": "quart", "quart": "flask"}


def scrape(
    url: str, token: str | None = TOKEN
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by name and labels."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_closed_without_the_token(api: Api) -> None:
    assert_error(api.http.get("/metrics"), 404, "not_found")
    wrong = {"Authorization": f"Bearer {TOKEN}x"}
    assert_error(api.http.get("/metrics", headers=wrong), 404, "not_found")


def test_a_scrape_after_traffic_shows_messages_and_refusals(
    api: Api, server: ServerProcess
) -> None:
    room = api.create_room()
    token = api.token(room)
    for n in range(2):
        assert api.post(room.room_id, token, f"counted {n}").status_code == 201
    assert api.post(room.room_id, "not-a-token", "refused").status_code == 401
    client = api.socket(token)
    try:
        refused = client.call(
            "message", {"room": room.room_id, "message": "not joined"}, timeout=10
        )
        assert refused["ok"] is False
        assert client.call("join", {"room": room.room_id}, timeout=10)["ok"] is True
        assert client.call("message", {"room": room.room_id, "message": "hi"}, timeout=10)["ok"]
        # Live sockets are counted by the once-a-second sweep.
        assert wait_until(
            lambda: value(scrape(server.url), "securechat_connections") >= 1, timeout=15
        )
        samples = scrape(server.url)
    finally:
        client.disconnect()
    assert value(samples, "securechat_messages_total", via="rest") >= 2
    assert value(samples, "securechat_messages_total", via="socket") >= 1
    assert value(samples, "securechat_socket_events_total", event="message") >= 2
    assert value(samples, "securechat_socket_events_total", event="join") >= 1
    assert value(samples, "securechat_refusals_total", code="unauthorized", surface="http") >= 1
    assert value(samples, "securechat_refusals_total", code=refused["code"], surface="socket") >= 1
    assert value(samples, "securechat_send_ack_seconds_count", via="socket") >= 1
    assert value(samples, "securechat_send_ack_seconds_count", via="rest") >= 2
    assert value(samples, "securechat_joined_rooms") >= 1
    assert ("securechat_database_errors_total", ()) in samples


def test_an_allowed_address_reads_them_and_rate_limit_refusals_count(
    runtime: str, tmp_path: Path
) -> None:
    env = {
        "SECURECHAT_METRICS_ALLOW": "127.0.0.1/32",
        "SECURECHAT_RATE_LIMITS": "password_room_ip=2/minute",
        "SECURECHAT_REFUSAL_DELAY_MS": "0",
    }
    server = ServerProcess(runtime, tmp_path / "data", "memory", env).start()
    api = Api(server.url)
    try:
        room = api.create_room()
        wrong = {"password": "not the password"}
        statuses = [
            api.http.post(f"/chat/{room.room_id}/verify", json=wrong).status_code for _ in range(4)
        ]
        assert 429 in statuses, statuses
        samples = scrape(server.url, token=None)  # from 127.0.0.1: no token needed
        assert value(samples, "securechat_rate_limit_refusals_total", surface="http") >= 1
        assert value(samples, "securechat_refusals_total", code="rate_limited", surface="http") >= 1
        assert value(samples, "securechat_refusals_total", code="bad_password", surface="http") >= 1
    finally:
        api.close()
        server.stop()
    assert "Traceback" not in server.stderr_text()


def test_with_a_multiprocess_directory_one_scrape_counts_every_process(
    runtime: str, tmp_path: Path
) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {"SECURECHAT_METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    one = ServerProcess(runtime, tmp_path / "one", "memory", env).start()
    two = ServerProcess(OTHER[runtime], tmp_path / "two", "memory", env).start()
    apis = [Api(one.url), Api(two.url)]
    try:
        for api, count in zip(apis, (1, 2), strict=True):
            room = api.create_room()
            token = api.token(room)
            for n in range(count):
                assert api.post(room.room_id, token, f"from {n}").status_code == 201
        # The second process publishes on its own sweep (a socket starts it) or a scrape.
        scrape(two.url)
        assert wait_until(
            lambda: value(scrape(one.url), "securechat_messages_total", via="rest") == 3,
            timeout=15,
        ), scrape(one.url)
    finally:
        for api in apis:
            api.close()
        one.stop()
        two.stop()
    assert "Traceback" not in one.stderr_text() + two.stderr_text()
