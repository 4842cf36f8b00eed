"""Sending messages: one at a time, or a batch in one transaction (group commit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.model.errors import ChatError
from domain.model.events import MessagePosted
from domain.model.messages import Message, StoredMessage, check_text
from domain.model.policies import Claims, require_own_identity
from domain.model.rooms import kept_messages
from domain.usecases.access import LookupMemo, open_room
from domain.usecases.deps import Deps, Outcome
from domain.usecases.sealing import seal


@dataclass(frozen=True, slots=True)
class SendCommand:
    claims: Claims  # a room token, or a user token (then the user's membership grants)
    room_id: str
    text: str
    client: str = ""  # the sender's address, for the room's IP policy ("" when unknown)
    # A user_id the client put in its payload: it must be the token's (None: not given).
    user_id: str | None = None


def send_message(deps: Deps, claims: Claims, room_id: str, text: str) -> Outcome[Message]:
    """Store a message (encrypted) and release MessagePosted once it is committed."""
    [result] = send_messages(deps, [SendCommand(claims, room_id, text)])
    if isinstance(result, ChatError):
        raise result
    return result


def send_messages(
    deps: Deps, commands: Sequence[SendCommand]
) -> list[Outcome[Message] | ChatError]:
    """Store many messages in one transaction: one commit, one room lookup per room
    (and per member and sign-in, for user tokens).

    Each command succeeds or fails on its own (a refused one stores nothing); the commit
    releases the events of those that succeeded. If the commit itself fails, the
    exception propagates and nothing of the batch is stored.

    A room that keeps only its newest messages (its `message_limit`, else the configured
    default) is pruned in the same transaction: one delete per such room and batch.
    """
    results: list[Outcome[Message] | ChatError | None] = [None] * len(commands)
    pending: list[int] = []
    for index, command in enumerate(commands):
        try:
            require_own_identity(command.claims, command.user_id)
            check_text(command.text, deps.config.max_message_bytes)
            pending.append(index)
        except ChatError as error:
            results[index] = error
    if pending:
        with deps.uow(write=True) as uow:
            known = LookupMemo()  # one lookup per room, member and sign-in for the batch
            # ... and those of rooms and members, in one statement each.
            known.prefetch(
                uow, [(commands[i].room_id, commands[i].claims.user_id) for i in pending]
            )
            messages: dict[int, Message] = {}
            stored: list[StoredMessage] = []
            limits: dict[str, int] = {}  # room id -> how many messages it keeps
            for index in pending:
                command = commands[index]
                try:
                    room, grant = open_room(
                        deps, uow, command.claims, command.room_id, known, command.client
                    )
                except ChatError as error:
                    results[index] = error
                    continue
                message = Message(
                    id=deps.ids.message_id(),
                    room_id=room.id,
                    user_id=grant.user_id,
                    username=grant.username,
                    text=command.text,
                    created_at_ms=deps.clock.now_ms(),
                    guest=grant.guest,
                )
                stored.append(seal(deps.cipher, message))
                uow.record(MessagePosted(message))
                messages[index] = message
                keep = kept_messages(room.settings, deps.config.message_limit)
                if keep is not None:
                    limits[room.id] = keep
            uow.messages.add_many(stored)
            for room_id, keep in limits.items():
                uow.messages.prune(room_id, keep)
            uow.commit()
            released = {
                event.message.id: event
                for event in uow.collect_events()
                if isinstance(event, MessagePosted)
            }
        for index, message in messages.items():
            results[index] = Outcome(message, [released[message.id]])
    return [result for result in results if result is not None]
