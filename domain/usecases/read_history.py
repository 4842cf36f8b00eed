from __future__ import annotations

import logging
from dataclasses import dataclass

from domain.model.messages import (
    DEFAULT_PAGE,
    Message,
    StoredMessage,
    check_message_id,
    check_page_limit,
)
from domain.model.policies import RoomTokenClaims
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome
from ports.cipher import Cipher, UndecryptableError

log = logging.getLogger("securechat.history")


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]  # oldest first
    next_before: str | None  # cursor for the next older page, None at the beginning


def read_history(
    deps: Deps,
    claims: RoomTokenClaims,
    room_id: str,
    limit: int = DEFAULT_PAGE,
    before: str | None = None,
) -> Outcome[HistoryPage]:
    """The newest `limit` messages before the cursor; cost independent of history length."""
    check_page_limit(limit)
    if before is not None:
        check_message_id(before)
    with deps.uow() as uow:
        room, _ = open_room(deps, uow, claims, room_id)
        # One row more than asked tells whether an older page exists.
        rows = uow.messages.page(room.id, limit + 1, before)
    more = len(rows) > limit
    rows = rows[:limit]
    messages = [_shown(deps.cipher, row) for row in reversed(rows)]
    return Outcome(HistoryPage(messages, rows[-1].id if more and rows else None))


def _shown(cipher: Cipher, row: StoredMessage) -> Message:
    """The row decrypted, or marked unreadable (and logged) when no key opens it."""
    try:
        text, unreadable = cipher.decrypt(row.ciphertext).decode("utf-8"), False
    except (UndecryptableError, UnicodeDecodeError):
        # Names only the row: never the ciphertext, a key or any text.
        log.warning(
            "message %s in room %s cannot be decrypted with the configured keys; "
            "shown as unreadable",
            row.id,
            row.room_id,
        )
        text, unreadable = "", True
    return Message(
        id=row.id,
        room_id=row.room_id,
        user_id=row.user_id,
        username=row.username,
        text=text,
        created_at_ms=row.created_at_ms,
        unreadable=unreadable,
    )
