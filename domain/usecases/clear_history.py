"""An admin deletes every message of a room."""

from __future__ import annotations

from domain.model.audit import AuditAction
from domain.model.changes import CLEARED, NewChange
from domain.model.events import HistoryCleared
from domain.model.policies import Credential
from domain.usecases.admin_access import open_as_admin
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome


def clear_history(deps: Deps, claims: Credential, room_id: str, client: str = "") -> Outcome[int]:
    """Delete every message of the room; the number deleted."""
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        uow.changes.lock([room.id])  # the room's stream first, as every writer takes it
        count = uow.messages.count(room.id)
        uow.messages.clear(room.id)
        [offset] = uow.changes.append(room.id, [NewChange(CLEARED)], deps.config.recovery_limit)
        uow.record(HistoryCleared(room.id, count, offset, room.incarnation))
        note(deps, uow, AuditAction.HISTORY_CLEARED, grant.user_id, room, None, client, str(count))
        uow.commit()
        events = uow.collect_events()
    return Outcome(count, events)
