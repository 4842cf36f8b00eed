"""The operator's routes, called directly: /healthz, /readyz (with a part that answers and
one that does not) and /metrics (closed, then opened by token and by address)."""

from __future__ import annotations

import dataclasses

from adapters.metrics.prometheus import PrometheusMetrics
from tests.support import World
from tests.unit.common.routes.harness import Http, assert_error, covered

TOKEN = "a-metrics-token-of-some-length"


class Part:
    """A part readiness asks (ports.health.Probe) whose answer the test decides."""

    def __init__(self, name: str, why: str | None) -> None:
        self.name = name
        self.why = why

    def check(self) -> str | None:
        return self.why


def _with(world: World, **changes: object) -> Http:
    return Http(dataclasses.replace(world, deps=dataclasses.replace(world.deps, **changes)))


@covered.success("healthz")
def test_healthz_answers_ok(http: Http) -> None:
    got = http.call("healthz")
    assert (got.status, got.body) == (200, {"status": "ok"})


@covered.refusal("healthz")
def test_healthz_takes_no_query(http: Http) -> None:
    assert_error(http.call("healthz", query={"x": "1"}), 400, "invalid_query")


@covered.success("readyz")
def test_readyz_lists_the_parts_that_answer(world: World) -> None:
    got = _with(world, probes=(Part("database", None), Part("redis", None))).call("readyz")
    assert got.status == 200
    assert got.body == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


@covered.refusal("readyz")
def test_readyz_names_the_part_that_does_not_answer(world: World) -> None:
    http = _with(world, probes=(Part("database", None), Part("redis", "connection refused")))
    got = http.call("readyz")
    assert_error(got, 503, "unavailable")
    assert got.body["error"] == "not ready: redis does not answer (connection refused)"
    assert got.headers["Retry-After"] == "1"


@covered.refusal("metrics")
def test_metrics_are_not_found_unless_opened(world: World) -> None:
    assert_error(Http(world).call("metrics"), 404, "not_found")  # nothing configured
    opened = _with(world, metrics=PrometheusMetrics(allow=("10.0.0.0/8",), token=TOKEN))
    assert_error(opened.call("metrics", client="192.0.2.1"), 404, "not_found")
    assert_error(opened.call("metrics", token=TOKEN + "x", client="192.0.2.1"), 404, "not_found")


@covered.success("metrics")
def test_metrics_open_to_the_token_or_an_allowed_address(world: World) -> None:
    metrics = PrometheusMetrics(allow=("10.0.0.0/8",), token=TOKEN)
    http = _with(world, metrics=metrics)
    metrics.message("socket", 0.003)
    metrics.refused("rate_limited", "socket")
    for got in (http.call("metrics", token=TOKEN), http.call("metrics", client="10.1.2.3")):
        assert got.status == 200
        assert got.headers["Content-Type"].startswith("text/plain")
        text = got.body["raw"].decode()
        assert 'securechat_messages_total{via="socket"} 1.0' in text
        assert 'securechat_rate_limit_refusals_total{surface="socket"} 1.0' in text
        assert 'securechat_send_ack_seconds_bucket{le="0.005",via="socket"} 1.0' in text


@covered.success("room_audit")
def test_the_audit_log_shows_a_kick_with_who_did_it(http: Http) -> None:
    admin = http.room()
    guest = http.member()
    member_id = http.call(
        "kick_member",
        path={"room_id": "lobby"},
        json_body={"user_id": _user_of(http, guest)},
        token=admin,
    )
    assert member_id.status == 200, member_id.body
    got = http.call("room_audit", path={"room_id": "lobby"}, token=admin)
    assert got.status == 200
    kick, created = got.body["entries"]
    assert (kick["action"], created["action"]) == ("kicked", "room_created")
    assert kick["actor"] == created["actor"] and kick["target"] == _user_of(http, guest)
    assert got.body["next_before"] is None


@covered.refusal("room_audit")
def test_the_audit_log_is_for_admins_only(http: Http) -> None:
    http.room()
    guest = http.member()
    assert_error(
        http.call("room_audit", path={"room_id": "lobby"}, token=guest), 403, "admin_required"
    )


def _user_of(http: Http, token: str) -> str:
    return str(http.world.deps.tokens.verify_token(token).user_id)
