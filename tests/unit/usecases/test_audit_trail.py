"""The audit log's account entries (no room): a sign-in and a failed one, under the
account's id, never the name typed; an entry outlives a refused transaction."""

from __future__ import annotations

import pytest

from domain.model.audit import AuditAction
from domain.model.errors import Unauthorized
from domain.usecases import accounts
from tests.support import PASSWORD, World


def _account_entries(world: World) -> list[tuple[AuditAction, str, str, str]]:
    entries = world.store_factory.store.audit.get("", [])
    return [(e.action, e.actor, e.address, e.detail) for e in entries]


def test_sign_ins_and_failed_ones_are_audited(world: World) -> None:
    user = accounts.register(world.deps, "alice", PASSWORD).value
    accounts.login(world.deps, "alice", PASSWORD, "192.0.2.7")
    with pytest.raises(Unauthorized):
        accounts.login(world.deps, "alice", "a wrong password", "192.0.2.8")
    with pytest.raises(Unauthorized):
        accounts.login(world.deps, "my password typed as a name", PASSWORD, "192.0.2.9")
    assert _account_entries(world) == [
        (AuditAction.SIGNED_IN, user.user_id, "192.0.2.7", ""),
        (AuditAction.SIGN_IN_FAILED, user.user_id, "192.0.2.8", "wrong password"),
        (AuditAction.SIGN_IN_FAILED, "-", "192.0.2.9", "unknown account"),
    ]
    assert "typed as a name" not in str(world.store_factory.store.audit)
