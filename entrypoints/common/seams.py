"""Where a runtime stands on a library's internals: one row per seam, listed in each
runtime's seams.py (entrypoints/flask/seams.py, entrypoints/quart/seams.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Seam:
    """`ours` (a class or function) relies on `theirs` (dotted library attributes); `test`
    (path::name) fails when one of them moves."""

    ours: object
    theirs: tuple[str, ...]
    test: str


class LibraryMoved(RuntimeError):
    """A seam's library no longer has what the seam stands on: refuse to start unguarded."""


def require(condition: bool, what: str) -> None:
    """Fail at startup, naming the library attribute, when a seam's footing is gone."""
    if not condition:
        raise LibraryMoved(f"{what} is not where this server expects it: see its seams.py")
