"""Use cases: each opens a unit of work, applies the model, commits and returns its events.

Written once, called by both entrypoints. Sync and I/O-free: they see only ports.
"""

from domain.usecases.deps import CoreConfig, Deps, Outcome

__all__ = ["CoreConfig", "Deps", "Outcome"]
