"""Edits: a message's sender replaces its text, for a while after sending it."""

from __future__ import annotations

from domain.model.changes import EDITED, NewChange
from domain.model.errors import ErrorCode, InvalidInput, NotFound
from domain.model.events import MessageEdited
from domain.model.messages import Message, check_edit, check_text, is_message_id
from domain.model.policies import Claims, require_own_identity
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome
from domain.usecases.sealing import seal


def edit_message(
    deps: Deps,
    claims: Claims,
    room_id: str,
    message_id: str,
    text: str,
    client: str = "",
    user_id: str | None = None,
) -> Outcome[Message]:
    """Replace one's own message's text (bounds and access as for sending), encrypted anew,
    within `config.edit_window_s`; releases MessageEdited with the message as it is now."""
    require_own_identity(claims, user_id)
    check_text(text, deps.config.max_message_bytes)
    if not is_message_id(message_id):
        raise InvalidInput(ErrorCode.INVALID_MESSAGE_ID, "not a message id")
    with deps.uow(write=True) as uow:
        room, grant = open_room(deps, uow, claims, room_id, client=client)
        stored = uow.messages.get(room.id, message_id)
        if stored is None:
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this room")
        now = deps.clock.now_ms()
        check_edit(stored, grant.user_id, now, deps.config.edit_window_s)
        [offset] = uow.changes.append(
            room.id, [NewChange(EDITED, stored.id)], deps.config.recovery_limit
        )
        message = Message(
            id=stored.id,
            room_id=stored.room_id,
            user_id=stored.user_id,
            username=stored.username,
            text=text,
            created_at_ms=stored.created_at_ms,
            guest=stored.guest,
            edited_at_ms=now,
            offset=offset,
        )
        sealed = seal(deps.cipher, message)
        uow.messages.update_text(room.id, message_id, sealed.ciphertext, now, offset)
        uow.record(MessageEdited(message, offset, room.incarnation))
        uow.commit()
        events = uow.collect_events()
    return Outcome(message, events)
