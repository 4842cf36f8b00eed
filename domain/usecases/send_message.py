"""Sending messages: one at a time, or a batch in one transaction (group commit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.model.changes import POSTED, NewChange
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
    # The client's idempotency key (changes.is_client_id, checked by the entrypoint): a
    # repeat by the same identity in the same room is answered with the first message.
    client_id: str | None = None


def send_message(deps: Deps, claims: Claims, room_id: str, text: str) -> Outcome[Message]:
    """Store a message (encrypted) and release MessagePosted once it is committed."""
    [result] = send_messages(deps, [SendCommand(claims, room_id, text)])
    if isinstance(result, ChatError):
        raise result
    return result


def send_messages(
    deps: Deps, commands: Sequence[SendCommand]
) -> list[Outcome[Message] | ChatError]:
    """Store many messages in one transaction, each succeeding or failing on its own; a
    failed commit raises and stores none. A repeated `client_id` gets its first message."""
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
            keyed = [i for i in pending if commands[i].client_id is not None]
            sent: dict[tuple[str, str, str], str] = {}
            if keyed:
                # Hold the streams first, so two units sending one key in turn store one.
                # Every room of the batch, in id order: the order every writer takes them.
                uow.changes.lock(sorted({commands[i].room_id for i in pending}))
                sent = uow.messages.sent([_key(commands[i]) for i in keyed])
            messages: dict[int, Message] = {}
            repeats: dict[int, str] = {}  # index -> the message id first sent under its key
            by_room: dict[str, list[int]] = {}  # room id -> its new messages' indexes
            epochs: dict[str, str] = {}
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
                key = (room.id, grant.user_id, command.client_id or "")
                if command.client_id is not None and key in sent:
                    # Sent before or earlier in this batch: nothing stored, no events.
                    repeats[index] = sent[key]
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
                if command.client_id is not None:
                    sent[key] = message.id
                messages[index] = message
                by_room.setdefault(room.id, []).append(index)
                epochs[room.id] = room.incarnation
                keep = kept_messages(room.settings, deps.config.message_limit)
                if keep is not None:
                    limits[room.id] = keep
            stored: list[StoredMessage] = []
            # Each message is the next change of its room's stream (its offset on the event and
            # the row).
            for room_id in sorted(by_room):  # as every writer locks rooms: no deadlock
                indexes = by_room[room_id]
                offsets = uow.changes.append(
                    room_id,
                    [NewChange(POSTED, messages[i].id) for i in indexes],
                    deps.config.recovery_limit,
                )
                for index, offset in zip(indexes, offsets, strict=True):
                    message = messages[index] = replace(messages[index], offset=offset)
                    stored.append(seal(deps.cipher, message))
                    uow.record(MessagePosted(message, offset, epochs[room_id]))
            uow.messages.add_many(stored)
            remembered = [
                (m.room_id, m.user_id, client_id, m.id)
                for i, m in messages.items()
                if (client_id := commands[i].client_id) is not None
            ]
            if remembered:
                uow.messages.remember_sent(remembered)
            # A room keeping only its newest messages: one delete per room and batch.
            for room_id, keep in limits.items():
                uow.messages.prune(room_id, keep)
            uow.commit()
            released = {
                event.message.id: event
                for event in uow.collect_events()
                if isinstance(event, MessagePosted)
            }
        for index, message_id in repeats.items():
            results[index] = Outcome(_repeat(commands[index], message_id))
        for index, message in messages.items():
            results[index] = Outcome(message, [released[message.id]])
    return [result for result in results if result is not None]


def _key(command: SendCommand) -> tuple[str, str, str]:
    """A keyed send's (room id, user id, client id): the user id is the token's (a user
    token's own, a room token's guest), which open_room's grant confirms."""
    return (command.room_id, command.claims.user_id, command.client_id or "")


def _repeat(command: SendCommand, message_id: str) -> Message:
    """The answer to a repeated send: the first message's id (its text is the caller's)."""
    return Message(
        id=message_id,
        room_id=command.room_id,
        user_id=command.claims.user_id,
        username="",
        text=command.text,
        created_at_ms=0,
    )
