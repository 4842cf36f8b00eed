"""`python -m bench --smoke` runs every scenario on both runtimes and sees no error.

This checks that the benchmark works, never how fast anything is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "fanout_1x50",
    "fanout_10x10",
    "fanout_1x50_password_pressure",
    "fanout_1x50_8_guessers",
    "history_8_guessers",
    "rest_post",
    "connections",
    "history",
    "bare_fanout_1x50",
    "bare_fanout_10x10",
    "fanout_1x50_200_wrong_passwords",
    "pruning",
    "fanout_1x100_churn",
    "recovery",
    # With Redis: 1 process, then 2 (bench/cluster.py).
    "fanout_1x50_redis_1p",
    "fanout_10x10_redis_1p",
    "fanout_1x50_redis_2p",
    "fanout_10x10_redis_2p",
    # Ours and its bare ceiling interleaved at a fixed rate (bench/referee.py).
    "referee_fanout_1x50",
    "referee_fanout_10x10",
    "referee_rest_paced",
    "referee_rest_closed",
}


def _quick_run(runtime: str) -> dict[tuple[str, str | None], dict[str, Any]]:
    """`python -m bench --smoke` on one runtime: every row, by (scenario, runtime)."""
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench", "--smoke", "--runtime", runtime],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=390,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert "server_log" not in {r["scenario"] for r in rows}, "a server printed a traceback"
    return {(r["scenario"], r.get("runtime")): r for r in rows}


def _check(runtime: str) -> None:
    by_key = _quick_run(runtime)
    for scenario in SCENARIOS:
        row = by_key[(scenario, runtime)]
        assert row["errors"] == 0, row
    connections = by_key[("connections", runtime)]
    assert connections["received_broadcast"] == connections["connections"] > 0
    recovered = by_key[("recovery", runtime)]  # every join got all 1,000, in order
    assert recovered["missed"] == 1000 and recovered["joins"] > 0
    for rooms in ("1x50", "10x10"):  # two processes, side by side with one
        assert by_key[(f"fanout_{rooms}_redis_2p", runtime)]["ratio_to_1p"] > 0
    fanout = by_key[("fanout_1x50", runtime)]
    assert fanout["latency_deliveries"] > 0 and fanout["saturation_deliveries_per_s"] > 0
    pressure = by_key[("fanout_1x50_password_pressure", runtime)]
    assert pressure["password_checks_per_s"] > 0
    assert pressure["password_check_failures"] == 0
    wrong = by_key[("fanout_1x50_200_wrong_passwords", runtime)]
    # The password limits hold at their defaults: refusals, and no more than the
    # 10 guesses a minute that one room and address may have checked.
    assert wrong["guesses_refused"] > 0 and 0 < wrong["guesses_hashed"] <= 10
    pruned = by_key[("pruning", runtime)]
    # Rooms prefilled to their limit took messages and still hold exactly their limit.
    assert pruned["sizes"] == [100, 1_000]
    for size in pruned["sizes"]:
        assert pruned[f"messages_{size}"] > 0 and pruned[f"stored_after_{size}"] == size
    assert pruned["cost_ratio_largest_to_smallest"] > 0
    churned = by_key[("fanout_1x100_churn", runtime)]
    # The churner got through its connect limit and was refused past it; the listeners
    # read something, and the server's CPU was measured.
    assert churned["churn_cycles_per_s"] > 0 and churned["churn_refused_per_s"] > 0
    assert churned["received_kib_per_s"] > 0 and churned["server_cpu_pct"] > 0
    assert churned["presence_kib_per_s"] > 0
    for figure in ("fanout_1x50", "fanout_10x10"):  # both sides measured, one pair
        cost = by_key[(f"referee_{figure}", runtime)]["cpu_us_per_delivery"]
        assert cost["ours"] > 0 and cost["bare"] > 0 and len(cost["pair_ratios"]) == 1
    assert by_key[("referee_rest_paced", runtime)]["cpu_us_per_request"]["bare"] > 0
    assert len(by_key[("referee_rest_paced", runtime)]["load_average"]) == 2
    assert by_key[("referee_rest_closed", runtime)]["req_per_s"]["bare"] > 0
    guessed = by_key[("history_8_guessers", runtime)]
    assert guessed["guesses_answered_per_s"] > 0 and guessed["p99_ms_guessed"] > 0


# One class per runtime: `--dist loadscope` groups tests by class, so the two runs go to
# two parallel workers instead of one worker running both in turn.
class TestFlaskBench:
    @pytest.mark.timeout(400)
    def test_quick_benchmark_completes_without_errors(self) -> None:
        _check("flask")


class TestQuartBench:
    @pytest.mark.timeout(400)
    def test_quick_benchmark_completes_without_errors(self) -> None:
        _check("quart")


def test_prefill_stores_through_the_repository_numbered_for_pruning(tmp_path: Path) -> None:
    """The bench's history goes in through add_many: numbered per room, as the server's."""
    from sqlalchemy import text

    from adapters.crypto.fernet_cipher import generate_key
    from adapters.sqlalchemy import migrations
    from adapters.sqlalchemy.engine import make_engine
    from bench.prefill import prefill

    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "fernet.key").write_text(generate_key())
    url = f"sqlite:///{tmp_path / 'securechat.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for room_id in ("small", "large"):
                conn.execute(
                    text(
                        "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                        " created_by, created_at_ms) VALUES (:id, 'i', 'h', 1, 'g', 1)"
                    ),
                    {"id": room_id},
                )
        middles = prefill(tmp_path, {10: "small", 1_500: "large"})
        with engine.connect() as conn:
            counters = {r[0]: r[1] for r in conn.execute(text("SELECT id, message_seq FROM rooms"))}
            assert counters == {"small": 10, "large": 1_500}
            seqs = conn.execute(
                text("SELECT seq FROM messages WHERE room_id = 'large' ORDER BY id")
            ).scalars()
            assert list(seqs) == list(range(1, 1_501))
            middle = conn.execute(
                text("SELECT seq FROM messages WHERE id = :id"), {"id": middles[1_500]}
            ).scalar_one()
            assert middle == 751  # the message at index size // 2
    finally:
        engine.dispose()


def test_two_builds_compare_side_by_side() -> None:
    """`python -m bench.ab_builds` runs both builds' REST windows (here one build twice)."""
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.ab_builds", "--runtime", "quart", "--pairs", "1"]
        + ["--seconds", "0.3", str(ROOT), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["paced"]["errors"] == result["closed"]["errors"] == 0
    assert result["closed"]["req_per_s"]["ours"] > 0 and result["closed"]["req_per_s"]["bare"] > 0
