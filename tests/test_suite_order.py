"""The full run deals its longest modules out first: the list names modules that exist."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONG_POLES

ROOT = Path(__file__).resolve().parents[1]


def test_every_long_pole_is_a_test_module_of_this_suite() -> None:
    missing = [path for path in LONG_POLES if not (ROOT / path).is_file()]
    assert not missing, f"LONG_POLES names modules that are gone: {missing}"
    assert len(set(LONG_POLES)) == len(LONG_POLES)
