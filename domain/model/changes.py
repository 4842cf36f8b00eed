"""A room's change stream: every change a member can see, numbered by the room's offset.

Each room numbers its visible changes 1, 2, ... (`offset`); its `epoch` (the room's
incarnation) names the stream, so a room deleted and re-created under the same id starts
another. A client that knows the offset and epoch it has seen asks for what came after
(`domain/usecases/recovery.py`) and gets every change in order, or is told it cannot
(`recovered: false` and a reason) and reloads: never a partial list shown as complete.

What a change stores: its event's name, the message it is about (by id) and, for a
reaction update, the reactions (user ids and emoji, as the reactions table holds them).
Never a message's text: a replay reads the text from the message as it is now, so a
deleted, cleared or pruned message's text is gone with it, and the stream holds no second
copy of any text (encrypted or not).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from domain.model.messages import StoredMessage
from domain.model.reactions import Reactions

DEFAULT_RECOVERY_LIMIT = 1000  # the most changes one recovery gives

# The visible changes, by the name of their socket event.
POSTED = "message"
EDITED = "message_edited"
DELETED = "message_deleted"
REACTED = "reaction_update"
CLEARED = "history_cleared"
CHANGE_NAMES = frozenset({POSTED, EDITED, DELETED, REACTED, CLEARED})

# Why a recovery could not give every change after the client's offset.
REASON_EPOCH = "epoch_changed"  # another stream: the room re-created, or the store restored
REASON_LIMIT = "too_many_changes"  # more than the recovery limit
REASON_PRUNED = "changes_pruned"  # some are no longer kept

_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
EPOCH_MAX_CHARS = 64


def is_client_id(value: str) -> bool:
    """A send's idempotency key: 1-64 characters of A-Z, a-z, 0-9, '_' and '-'."""
    return _CLIENT_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class NewChange:
    """A change to append to a room's stream."""

    name: str
    message_id: str | None = None
    data: bytes | None = None  # a reaction update's reactions (encode_reactions)


@dataclass(frozen=True, slots=True)
class StoredChange:
    """A change as read back: `message` is its message as stored now (None: gone, or a
    change about no message)."""

    offset: int
    name: str
    message_id: str | None
    data: bytes | None
    message: StoredMessage | None = None


def encode_reactions(reactions: Reactions) -> bytes:
    return json.dumps(reactions, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_reactions(data: bytes | None) -> Reactions:
    if not data:
        return {}
    decoded = json.loads(data.decode("utf-8"))
    return {str(emoji): [str(u) for u in users] for emoji, users in decoded.items()}


def prune_due(before: int, after: int, keep: int) -> bool:
    """Whether appending took a stream from offset `before` to `after` across a pruning step,
    at which it is pruned to its `keep` newest changes."""
    # One delete per step, not one per change; a stream holds at most `keep` + a step.
    step = max(1, min(64, keep // 8))
    return before // step != after // step
