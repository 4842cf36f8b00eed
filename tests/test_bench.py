"""`python -m bench --quick` runs every scenario on both runtimes and sees no error.

This checks that the benchmark works, never how fast anything is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
}


@pytest.mark.timeout(400)
def test_quick_benchmark_completes_without_errors() -> None:
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=390,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    by_key = {(r["scenario"], r.get("runtime")): r for r in rows}
    for runtime in ("flask", "quart"):
        for scenario in SCENARIOS:
            row = by_key[(scenario, runtime)]
            assert row["errors"] == 0, row
    for runtime in ("flask", "quart"):
        connections = by_key[("connections", runtime)]
        assert connections["received_broadcast"] == connections["connections"] > 0
        fanout = by_key[("fanout_1x50", runtime)]
        assert fanout["latency_deliveries"] > 0 and fanout["saturation_deliveries_per_s"] > 0
        pressure = by_key[("fanout_1x50_password_pressure", runtime)]
        assert pressure["password_checks_per_s"] > 0
        assert pressure["password_check_failures"] == 0
        wrong = by_key[("fanout_1x50_200_wrong_passwords", runtime)]
        # The password limits hold at their defaults: refusals, and no more than the
        # 10 guesses a minute that one room and address may have checked.
        assert wrong["guesses_refused"] > 0 and 0 < wrong["guesses_hashed"] <= 10
        guessed = by_key[("history_8_guessers", runtime)]
        assert guessed["guesses_answered_per_s"] > 0 and guessed["p99_ms_guessed"] > 0
    assert "server_log" not in {r["scenario"] for r in rows}, "a server printed a traceback"
