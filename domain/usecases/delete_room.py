"""An admin deletes a room."""

from __future__ import annotations

from domain.model.audit import AuditAction
from domain.model.events import RoomDeleted
from domain.model.policies import Credential
from domain.usecases.admin_access import open_as_admin
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome


def delete_room(deps: Deps, claims: Credential, room_id: str, client: str = "") -> Outcome[str]:
    """Delete the room with every message and membership. Its tokens die with its
    incarnation: a room later created under the same id is another room."""
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        uow.rooms.delete(room.id, room.incarnation)
        uow.record(RoomDeleted(room.id, room.incarnation))
        note(deps, uow, AuditAction.ROOM_DELETED, grant.user_id, room, address=client)
        uow.commit()
        events = uow.collect_events()
    return Outcome(room.id, events)
