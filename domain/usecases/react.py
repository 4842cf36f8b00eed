"""Reactions: an identity toggles one emoji on a message of a room it may send to."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.changes import REACTED, NewChange, encode_reactions
from domain.model.errors import ErrorCode, InvalidInput, NotFound
from domain.model.events import ReactionsChanged
from domain.model.messages import is_message_id
from domain.model.policies import Claims, require_own_identity
from domain.model.reactions import Reactions, check_reaction, check_room_for, reacted
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome


@dataclass(frozen=True, slots=True)
class Reacted:
    message_id: str
    on: bool  # whether the caller holds the reaction now (False: it was taken back)
    reactions: Reactions  # the message's, all of them, now


def react(
    deps: Deps,
    claims: Claims,
    room_id: str,
    message_id: str,
    reaction: str,
    client: str = "",
    user_id: str | None = None,
) -> Outcome[Reacted]:
    """Toggle the caller's `reaction` (an emoji its table lists, else INVALID_REACTION) on a
    message, with sending's access; releases ReactionsChanged as committed."""
    require_own_identity(claims, user_id)
    # The table's one form, so 👍 and 👍️ are one reaction.
    reaction = check_reaction(reaction, deps.emoji.canonical)
    if not is_message_id(message_id):
        raise InvalidInput(ErrorCode.INVALID_MESSAGE_ID, "not a message id")
    with deps.uow(write=True) as uow:
        room, grant = open_room(deps, uow, claims, room_id, client=client)
        uow.changes.lock([room.id])  # the room's stream first, as every writer takes it
        if uow.messages.get(room.id, message_id) is None:
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this room")
        current = uow.reactions.of_messages(room.id, [message_id]).get(message_id, {})
        if not reacted(current, reaction, grant.user_id):
            check_room_for(current, reaction)
        on = uow.reactions.toggle(room.id, message_id, grant.user_id, reaction, deps.clock.now_ms())
        now = uow.reactions.of_messages(room.id, [message_id]).get(message_id, {})
        change = NewChange(REACTED, message_id, encode_reactions(now))
        [offset] = uow.changes.append(room.id, [change], deps.config.recovery_limit)
        uow.messages.set_offset(room.id, message_id, offset)
        uow.record(ReactionsChanged(room.id, message_id, now, offset, room.incarnation))
        uow.commit()
        events = uow.collect_events()
    return Outcome(Reacted(message_id, on, now), events)
