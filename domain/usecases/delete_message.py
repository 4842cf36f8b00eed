"""A sender, or an admin, deletes one message."""

from __future__ import annotations

from domain.model.changes import DELETED, NewChange
from domain.model.errors import ErrorCode, Forbidden, InvalidInput, NotFound
from domain.model.events import MessageDeleted
from domain.model.members import Role
from domain.model.messages import is_message_id
from domain.model.policies import Claims
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome


def delete_message(
    deps: Deps, claims: Claims, room_id: str, message_id: str, client: str = ""
) -> Outcome[str]:
    """Delete one message: its sender may, and the room's admins."""
    with deps.uow(write=True) as uow:
        room, grant = open_room(deps, uow, claims, room_id, client=client)
        if not is_message_id(message_id):
            raise InvalidInput(ErrorCode.INVALID_MESSAGE_ID, "not a message id")
        message = uow.messages.get(room.id, message_id)
        if message is None:
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this room")
        if message.user_id != grant.user_id and grant.role is not Role.ADMIN:
            raise Forbidden(ErrorCode.FORBIDDEN, "only its sender or an admin may delete it")
        # The room's stream first (its row, on Postgres), as every writer takes it.
        [offset] = uow.changes.append(
            room.id, [NewChange(DELETED, message_id)], deps.config.recovery_limit
        )
        uow.messages.delete(room.id, message_id)
        uow.record(MessageDeleted(room.id, message_id, offset, room.incarnation))
        uow.commit()
        events = uow.collect_events()
    return Outcome(message_id, events)
