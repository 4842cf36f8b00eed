from __future__ import annotations

from domain.model.events import MessagePosted
from domain.model.messages import Message, StoredMessage, check_text
from domain.model.policies import RoomTokenClaims
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome


def send_message(deps: Deps, claims: RoomTokenClaims, room_id: str, text: str) -> Outcome[Message]:
    """Store a message (encrypted) and release MessagePosted once it is committed."""
    check_text(text, deps.config.max_message_bytes)
    with deps.uow(write=True) as uow:
        room, grant = open_room(deps, uow, claims, room_id)
        message = Message(
            id=deps.ids.message_id(),
            room_id=room.id,
            user_id=grant.user_id,
            username=grant.username,
            text=text,
            created_at_ms=deps.clock.now_ms(),
        )
        uow.messages.add(
            StoredMessage(
                id=message.id,
                room_id=message.room_id,
                user_id=message.user_id,
                username=message.username,
                ciphertext=deps.cipher.encrypt(text.encode("utf-8")),
                created_at_ms=message.created_at_ms,
            )
        )
        uow.record(MessagePosted(message))
        uow.commit()
        return Outcome(message, uow.collect_events())
