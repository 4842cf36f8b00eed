"""Render a results file as the Markdown tables of docs/performance.md.

python -m bench.report bench/results/<run>.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _rows(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(r["scenario"], r.get("runtime", "")): r for r in rows}


def _fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def figures(rows: dict[tuple[str, str], dict[str, Any]], runtime: str) -> dict[str, Any]:
    def get(scenario: str) -> dict[str, Any]:
        return rows[(scenario, runtime)]

    f1, f10 = get("fanout_1x50"), get("fanout_10x10")
    b1, b10 = get("bare_fanout_1x50"), get("bare_fanout_10x10")
    pressure, rest = get("fanout_1x50_password_pressure"), get("rest_post")
    conn, hist = get("connections"), get("history")
    sizes = sorted(
        int(k.split("_")[1]) for k in hist if k.startswith("newest_") and k.endswith("_p99_ms")
    )
    return {
        "fanout_1x50": f1["saturation_deliveries_per_s"],
        "bare_1x50": b1["saturation_deliveries_per_s"],
        "ratio_1x50": f1["saturation_deliveries_per_s"] / b1["saturation_deliveries_per_s"],
        "p50_1x50": f1["p50_ms"],
        "p99_1x50": f1["p99_ms"],
        "fanout_10x10": f10["saturation_deliveries_per_s"],
        "bare_10x10": b10["saturation_deliveries_per_s"],
        "ratio_10x10": f10["saturation_deliveries_per_s"] / b10["saturation_deliveries_per_s"],
        "p99_10x10": f10["p99_ms"],
        "rest": rest["req_per_s"],
        "rest_p50": rest["p50_ms"],
        "rest_p99": rest["p99_ms"],
        "history_sizes": sizes,
        "history_newest_p99": {s: hist[f"newest_{s}_p99_ms"] for s in sizes},
        "history_deep_p99": {s: hist[f"deep_{s}_p99_ms"] for s in sizes},
        "history_ratio": hist[f"newest_{sizes[-1]}_p99_ms"] / hist[f"newest_{sizes[0]}_p99_ms"],
        "rss_growth": hist["rss_growth_mib"],
        "connections": conn["connections"],
        "received": conn["received_broadcast"],
        "kib_per_conn": conn["kib_per_connection"],
        "pressure_p99": pressure["p99_ms"],
        "pressure_ratio": pressure["p99_ratio"],
        "pressure_rate": pressure["password_checks_per_s"],
        "pressure_check_p50": pressure["password_check_p50_ms"],
        # With the password limits at their defaults: p99 with 200 wrong passwords/s from one
        # address against without, and how many of those guesses reached argon2.
        "guessing": rows.get(("fanout_1x50_200_wrong_passwords", runtime)),
        # Posting into rooms held at their message limit (None in runs before the row).
        "pruning": rows.get(("pruning", runtime)),
        # The load generator's busiest fanout step, ours or the bare ceiling's.
        "loadgen_peak": max(r.get("loadgen_peak_cpu_pct", 0.0) for r in (f1, f10, b1, b10)),
    }


def _guessing_rows(fl: dict[str, Any] | None, qu: dict[str, Any] | None) -> list[str]:
    if not (fl and qu):
        return []
    return [
        f"| fanout 1 x 50 p99 under 200 wrong passwords/s from one address (without; ratio) "
        f"| {fl['p99_ms']} ms ({fl['p99_ms_without']} ms; {fl['p99_ratio']}) "
        f"| {qu['p99_ms']} ms ({qu['p99_ms_without']} ms; {qu['p99_ratio']}) |",
        f"| of those guesses: hashed / refused by the limit (refusal p50 / p99) "
        f"| {fl['guesses_hashed']} / {_fmt(fl['guesses_refused'])} "
        f"({fl['refusal_p50_ms']} / {fl['refusal_p99_ms']} ms) "
        f"| {qu['guesses_hashed']} / {_fmt(qu['guesses_refused'])} "
        f"({qu['refusal_p50_ms']} / {qu['refusal_p99_ms']} ms) |",
    ]


def _pruning_rows(fl: dict[str, Any] | None, qu: dict[str, Any] | None) -> list[str]:
    if not (fl and qu):
        return []
    small, large = fl["sizes"][0], fl["sizes"][-1]

    def cell(row: dict[str, Any]) -> str:
        return (
            f"{row[f'us_per_message_{small}']} / {row[f'us_per_message_{large}']} us "
            f"({row['cost_ratio_largest_to_smallest']:.2f}); "
            f"{_fmt(row[f'req_per_s_{small}'])} / {_fmt(row[f'req_per_s_{large}'])} req/s"
        )

    return [
        f"| pruning: posting at the limit, {_fmt(small)} / {_fmt(large)} stored: server CPU "
        f"per message (ratio); req/s | {cell(fl)} | {cell(qu)} |"
    ]


def pruning_met(row: dict[str, Any]) -> bool:
    """The issue's target: the same cost per message at every size (ratio at most 1.3)."""
    return bool(row["cost_ratio_largest_to_smallest"] <= 1.3 and row["errors"] == 0)


def _guessing_met(row: dict[str, Any]) -> bool:
    # password_room_ip's default lets 10 guesses a minute reach argon2; the row runs for less.
    return bool(row["p99_ratio"] <= 1.5 and row["guesses_hashed"] <= 10)


# The referee's figures (bench/referee.py): (row, figure, label, target ratio, at most?).
REFEREE = (
    (
        "referee_fanout_1x50",
        "cpu_us_per_delivery",
        "1 x 50, server CPU per delivery (us)",
        1.25,
        True,
    ),
    ("referee_fanout_1x50", "p50_ms", "1 x 50, p50 (ms)", None, True),
    ("referee_fanout_1x50", "p99_ms", "1 x 50, p99 (ms)", None, True),
    (
        "referee_fanout_10x10",
        "cpu_us_per_delivery",
        "10 x 10, server CPU per delivery (us)",
        None,
        True,
    ),
    ("referee_fanout_10x10", "p50_ms", "10 x 10, p50 (ms)", 1.5, True),
    ("referee_fanout_10x10", "p99_ms", "10 x 10, p99 (ms)", 1.5, True),
    (
        "referee_rest_paced",
        "cpu_us_per_request",
        "REST post, server CPU per request (us)",
        None,
        True,
    ),
    ("referee_rest_closed", "req_per_s", "REST post, 32 connections, req/s", 0.9, False),
    ("referee_rest_closed", "p99_ms", "REST post, 32 connections, p99 (ms)", 1.5, True),
)


def _referee_cell(row: dict[str, Any] | None, figure: str) -> str:
    if not row:
        return "- | - | -"
    f = row[figure]
    lo, hi = f["ours_spread"]
    blo, bhi = f["bare_spread"]
    return (
        f"{_fmt(f['ours'], 1)} ({_fmt(lo, 1)}-{_fmt(hi, 1)}) | "
        f"{_fmt(f['bare'], 1)} ({_fmt(blo, 1)}-{_fmt(bhi, 1)}) | {f['ratio']:.2f}"
    )


def _referee_mark(row: dict[str, Any] | None, figure: str, target: float, at_most: bool) -> str:
    if not row:
        return "-"
    ratio = row[figure]["ratio"]
    met = (ratio <= target if at_most else ratio >= target) and row["errors"] == 0
    return "met" if met else "**not met**"


def referee_markdown(rows: dict[tuple[str, str], dict[str, Any]]) -> str:
    """The referee's table: medians (min-max) of ours and the bare ceiling, their ratio."""
    any_row = next((r for (s, _), r in rows.items() if s == "referee_fanout_1x50"), None)
    if any_row is None:
        return ""
    lines = [
        f"{any_row['pairs']} interleaved pairs per figure, {any_row['window_s']} s windows; "
        "fixed offered rates: 1 x 50 at "
        f"{_fmt(rows_rate(rows, 'referee_fanout_1x50'))} messages/s, 10 x 10 at "
        f"{_fmt(rows_rate(rows, 'referee_fanout_10x10'))}, REST (CPU) at "
        f"{_fmt(rows_rate(rows, 'referee_rest_paced'))} posts/s. Load average (1 min) "
        f"over the run: {_load_span(rows)}.",
        "",
        "| figure | Flask: ours (min-max) | bare (min-max) | ratio | Quart: ours (min-max) "
        "| bare (min-max) | ratio | target (ratio) | Flask / Quart |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scenario, figure, label, target, at_most in REFEREE:
        fl, qu = rows.get((scenario, "flask")), rows.get((scenario, "quart"))
        goal, marks = "-", "-"
        if target is not None:
            goal = f"{'<=' if at_most else '>='} {target}"
            marks = " / ".join(_referee_mark(r, figure, target, at_most) for r in (fl, qu))
        lines.append(
            f"| {label} | {_referee_cell(fl, figure)} | {_referee_cell(qu, figure)} "
            f"| {goal} | {marks} |"
        )
    return "\n".join(lines)


def _load_span(rows: dict[tuple[str, str], dict[str, Any]]) -> str:
    loads = [
        x
        for (s, _), r in rows.items()
        if s.startswith("referee_")
        for x in r.get("load_average", [])
    ]
    return f"{min(loads):.2f}-{max(loads):.2f}" if loads else "not recorded"


def rows_rate(rows: dict[tuple[str, str], dict[str, Any]], scenario: str) -> float:
    row = rows.get((scenario, "flask")) or rows.get((scenario, "quart")) or {}
    return float(row.get("offered_per_s") or 0)


def markdown(path: Path) -> str:
    rows = _rows(path)
    if ("fanout_1x50", "flask") not in rows or ("fanout_1x50", "quart") not in rows:
        return referee_markdown(rows)  # a partial run (`--only referee`): its table alone
    fl, qu = figures(rows, "flask"), figures(rows, "quart")
    mark = {True: "met", False: "**not met**"}
    largest = fl["history_sizes"][-1]
    lines = [
        "| scenario | Flask | Quart |",
        "| --- | --- | --- |",
        f"| fanout 1 x 50, deliveries/s (bare ceiling; ratio) | {_fmt(fl['fanout_1x50'])} "
        f"({_fmt(fl['bare_1x50'])}; {fl['ratio_1x50']:.2f}) | {_fmt(qu['fanout_1x50'])} "
        f"({_fmt(qu['bare_1x50'])}; {qu['ratio_1x50']:.2f}) |",
        f"| fanout 1 x 50, p50 / p99 at 50% of saturation | {fl['p50_1x50']} / {fl['p99_1x50']} ms "
        f"| {qu['p50_1x50']} / {qu['p99_1x50']} ms |",
        f"| fanout 10 x 10, deliveries/s (bare ceiling; ratio) | {_fmt(fl['fanout_10x10'])} "
        f"({_fmt(fl['bare_10x10'])}; {fl['ratio_10x10']:.2f}) | {_fmt(qu['fanout_10x10'])} "
        f"({_fmt(qu['bare_10x10'])}; {qu['ratio_10x10']:.2f}) |",
        f"| rest_post, 32 connections, durable: req/s (p50 / p99) | {_fmt(fl['rest'])} "
        f"({fl['rest_p50']} / {fl['rest_p99']} ms) | {_fmt(qu['rest'])} "
        f"({qu['rest_p50']} / {qu['rest_p99']} ms) |",
    ]
    for size in fl["history_sizes"]:
        lines.append(
            f"| history p99, newest / deep page, {_fmt(size)} stored | "
            f"{fl['history_newest_p99'][size]} / {fl['history_deep_p99'][size]} ms | "
            f"{qu['history_newest_p99'][size]} / {qu['history_deep_p99'][size]} ms |"
        )
    lines += [
        f"| history newest p99, {_fmt(largest)} / {_fmt(fl['history_sizes'][0])} | "
        f"{fl['history_ratio']:.2f} | {qu['history_ratio']:.2f} |",
        f"| server RSS growth with {_fmt(largest)} stored | {fl['rss_growth']} MiB "
        f"| {qu['rss_growth']} MiB |",
        f"| joined connections (all received the broadcast) | {_fmt(fl['connections'])} "
        f"({_fmt(fl['received'])}) | {_fmt(qu['connections'])} ({_fmt(qu['received'])}) |",
        f"| RSS per connection | {fl['kib_per_conn']} KiB | {qu['kib_per_conn']} KiB |",
        f"| fanout 1 x 50 p99 under password checks (ratio to without) | {fl['pressure_p99']} ms "
        f"({fl['pressure_ratio']}) | {qu['pressure_p99']} ms ({qu['pressure_ratio']}) |",
        f"| password checks completed during that (p50 check time) | {fl['pressure_rate']}/s "
        f"({fl['pressure_check_p50']} ms) | {qu['pressure_rate']}/s "
        f"({qu['pressure_check_p50']} ms) |",
        *_guessing_rows(fl["guessing"], qu["guessing"]),
        *_pruning_rows(fl["pruning"], qu["pruning"]),
        f"| load generator CPU, busiest fanout step (% of its core) | {fl['loadgen_peak']} % "
        f"| {qu['loadgen_peak']} % |",
        "",
        "| target | Flask | Quart |",
        "| --- | --- | --- |",
        f"| fanout 1 x 50: >= 117,000 (Flask) and >= 0.8 x bare ceiling | "
        f"{mark[fl['fanout_1x50'] >= 117_000]} (117k); {mark[fl['ratio_1x50'] >= 0.8]} (0.8x) | "
        f"{mark[qu['ratio_1x50'] >= 0.8]} (0.8x) |",
        f"| fanout 1 x 50 p99 at 50%: < 20 ms (Flask), < 10 ms (Quart) | "
        f"{mark[fl['p99_1x50'] < 20]} | {mark[qu['p99_1x50'] < 10]} |",
        f"| fanout 10 x 10 >= 39,000 deliveries/s | {mark[fl['fanout_10x10'] >= 39_000]} | "
        f"{mark[qu['fanout_10x10'] >= 39_000]} |",
        f"| rest_post >= 3,900 (Flask) / 6,000 (Quart) req/s | {mark[fl['rest'] >= 3900]} | "
        f"{mark[qu['rest'] >= 6000]} |",
        f"| history newest p99 < 5 ms at {_fmt(largest)} and ratio <= 1.3 | "
        f"{mark[fl['history_newest_p99'][largest] < 5 and fl['history_ratio'] <= 1.3]} | "
        f"{mark[qu['history_newest_p99'][largest] < 5 and qu['history_ratio'] <= 1.3]} |",
        f"| >= 10,000 joined connections, <= 40 / 35 KiB each | "
        f"{mark[fl['received'] >= 10_000 and fl['kib_per_conn'] <= 40]} | "
        f"{mark[qu['received'] >= 10_000 and qu['kib_per_conn'] <= 35]} |",
        f"| fanout p99 under 20 password checks/s <= 1.5 x without | "
        f"{mark[fl['pressure_ratio'] <= 1.5 and fl['pressure_rate'] >= 19]} | "
        f"{mark[qu['pressure_ratio'] <= 1.5 and qu['pressure_rate'] >= 19]} |",
        f"| RSS after 1M stored < 30 MB above an empty server | "
        f"{mark[fl['rss_growth'] < 28.6]} | {mark[qu['rss_growth'] < 28.6]} |",
    ]
    if fl["guessing"] and qu["guessing"]:
        lines.append(
            "| fanout p99 under 200 wrong passwords/s from one address <= 1.5 x without, "
            "no argon2 once the limit holds | "
            + " | ".join(mark[_guessing_met(r)] for r in (fl["guessing"], qu["guessing"]))
            + " |"
        )
    if fl["pruning"] and qu["pruning"]:
        lines.append(
            "| pruning: cost per message at the largest size <= 1.3 x at the smallest | "
            + " | ".join(mark[pruning_met(r)] for r in (fl["pruning"], qu["pruning"]))
            + " |"
        )
    referee = referee_markdown(rows)
    return "\n".join(lines) + ("\n\n" + referee if referee else "")


if __name__ == "__main__":
    print(markdown(Path(sys.argv[1])))
