"""Readiness: whether every part this server needs answers now."""

from __future__ import annotations

from domain.usecases.deps import Deps


def readiness(deps: Deps) -> dict[str, str | None]:
    """Each part by name: None when it answers, else why not (one line)."""
    return {probe.name: probe.check() for probe in deps.probes}
