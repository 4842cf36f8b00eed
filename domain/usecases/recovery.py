"""Recovery: what changed in a room after the offset a client has seen, or why it cannot say.

A reconnecting client names the last offset and the epoch it saw (`Since`); it gets every
change after it, in order (`recovered`), or `recovered` False and a reason, and reloads
the room: never part of the changes presented as all of them. One indexed read of the
room's stream, whatever the number of changes (at most `config.recovery_limit`).

A change about a message that is gone by now (deleted, cleared, pruned) is left out but
for its deletion or clear; a message or an edit is shown with the message's text as it is
now (the stream keeps no text of its own: domain/model/changes.py). Applied in order, the
changes leave a client where one that stayed connected is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.model.changes import (
    CLEARED,
    DELETED,
    EDITED,
    POSTED,
    REACTED,
    REASON_EPOCH,
    REASON_LIMIT,
    REASON_PRUNED,
    StoredChange,
    decode_reactions,
)
from domain.model.events import (
    Event,
    HistoryCleared,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionsChanged,
)
from domain.model.policies import Claims
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome
from domain.usecases.sealing import unseal
from ports.cipher import Cipher


@dataclass(frozen=True, slots=True)
class Since:
    """Where a client is in a room's stream: the last offset it saw, of this epoch."""

    offset: int
    epoch: str


@dataclass(frozen=True, slots=True)
class Recovery:
    offset: int  # the room's last offset (after `changes`, when recovered)
    epoch: str
    recovered: bool | None = None  # None: no `since` was asked about
    reason: str | None = None  # why not recovered (changes.REASON_*)
    changes: list[Event] = field(default_factory=list)  # stamped, in order


def recover(
    deps: Deps, claims: Claims, room_id: str, since: Since | None, client: str = ""
) -> Outcome[Recovery]:
    """The room's offset and epoch, with the same access as its history; with `since`,
    the changes after it (recovered), or the reason it cannot give them all."""
    limit = deps.config.recovery_limit
    with deps.uow() as uow:
        room, _ = open_room(deps, uow, claims, room_id, client=client)
        epoch = room.incarnation
        head = uow.changes.head(room.id)
        if since is None:
            return Outcome(Recovery(head, epoch))
        if since.epoch != epoch or since.offset > head:
            # Another stream, or an offset this one never gave (a restored store).
            return Outcome(Recovery(head, epoch, False, REASON_EPOCH))
        if head - since.offset > limit:
            # Too many either way; the first one after `since` tells which to say.
            first = uow.changes.after(room.id, since.offset, 1)
            kept = bool(first) and first[0].offset == since.offset + 1
            return Outcome(Recovery(head, epoch, False, REASON_LIMIT if kept else REASON_PRUNED))
        rows = uow.changes.after(room.id, since.offset, limit + 1)
    if len(rows) > limit:  # more were committed since `head` was read
        return Outcome(Recovery(rows[-1].offset, epoch, False, REASON_LIMIT))
    if (rows and rows[0].offset != since.offset + 1) or (not rows and head > since.offset):
        return Outcome(Recovery(head, epoch, False, REASON_PRUNED))
    last = rows[-1].offset if rows else head
    changes = [e for row in rows if (e := _event(deps.cipher, room.id, epoch, row)) is not None]
    return Outcome(Recovery(last, epoch, True, None, changes))


def _event(cipher: Cipher, room_id: str, epoch: str, row: StoredChange) -> Event | None:
    """The change as the event its clients received (None: its message is gone)."""
    offset, message = row.offset, row.message
    if row.name == DELETED and row.message_id is not None:
        return MessageDeleted(room_id, row.message_id, offset, epoch)
    if row.name == CLEARED:
        return HistoryCleared(room_id, 0, offset, epoch)
    if message is None:
        return None
    if row.name == POSTED:
        return MessagePosted(unseal(cipher, message), offset, epoch)
    if row.name == EDITED:
        return MessageEdited(unseal(cipher, message), offset, epoch)
    if row.name == REACTED:
        return ReactionsChanged(room_id, message.id, decode_reactions(row.data), offset, epoch)
    return None
