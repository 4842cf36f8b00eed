"""The architecture contracts and lint rules run as part of the test command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed developer tools from our own venv
        list(args), cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_import_linter_contracts_hold() -> None:
    done = _run(str(BIN / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 9 kept, 0 broken." in done.stdout, done.stdout


def test_ruff_lint_is_clean() -> None:
    done = _run(str(BIN / "ruff"), "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied() -> None:
    done = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_holds_on_every_package() -> None:
    """A bare `mypy`: strict over what pyproject's `files` names (every package and bench)."""
    done = _run(str(BIN / "mypy"), "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout, done.stdout


def test_every_type_ignore_in_production_code_says_why() -> None:
    unexplained = []
    for package in ("domain", "ports", "adapters", "entrypoints"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if "type: ignore" in line and not re.search(r"type: ignore\[[\w,-]+\]  # \S", line):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unexplained, "\n".join(unexplained)


def test_steps_are_typed_through_call(tmp_path: Path) -> None:
    """`yield from call(lane, fn, *args)` checks the arguments against `fn` and gives its
    result's type: a mistyped argument is a mypy error, not Any."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from entrypoints.common.lanes import Lane\n"
        "from entrypoints.common.socket_connections import SocketProtocol\n"
        "from entrypoints.common.steps import Steps, call\n\n\n"
        "def steps(protocol: SocketProtocol) -> Steps[None]:\n"
        "    emits = yield from call(Lane.WORKER, protocol.disconnect, 'sid')\n"
        "    reveal_type(emits)\n"
        "    yield from call(Lane.WORKER, protocol.disconnect, 1)\n"
    )
    done = _run(str(BIN / "mypy"), "--strict", "--no-incremental", str(probe))
    assert 'Revealed type is "list[entrypoints.common.socket_events.Emit]"' in done.stdout
    assert "incompatible type" in done.stdout and "[arg-type]" in done.stdout, done.stdout
