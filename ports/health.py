"""Readiness: the parts a server needs to answer (its database, Redis when configured)."""

from __future__ import annotations

from typing import Protocol


class Probe(Protocol):
    """One part: `check` returns None when it answers now, else why not (one line)."""

    @property
    def name(self) -> str: ...

    def check(self) -> str | None: ...
