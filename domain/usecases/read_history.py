from __future__ import annotations

from dataclasses import dataclass, field

from domain.model.messages import DEFAULT_PAGE, Message, check_message_id, check_page_limit
from domain.model.policies import Claims
from domain.model.reactions import Reactions
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome
from domain.usecases.sealing import unseal


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]  # oldest first
    next_before: str | None  # cursor for the next older page, None at the beginning
    # {message id: its reactions}, for the messages of the page that have any
    reactions: dict[str, Reactions] = field(default_factory=dict)


def read_history(
    deps: Deps,
    claims: Claims,
    room_id: str,
    limit: int = DEFAULT_PAGE,
    before: str | None = None,
    client: str = "",
) -> Outcome[HistoryPage]:
    """The newest `limit` messages before the cursor; cost independent of history length."""
    check_page_limit(limit)
    if before is not None:
        check_message_id(before)
    with deps.uow() as uow:
        room, _ = open_room(deps, uow, claims, room_id, client=client)
        # One row more than asked tells whether an older page exists.
        rows = uow.messages.page(room.id, limit + 1, before)
        more = len(rows) > limit
        rows = rows[:limit]
        # The page's reactions in one statement, in the same transaction as its messages.
        reactions = uow.reactions.of_messages(room.id, [row.id for row in rows]) if rows else {}
    messages = [unseal(deps.cipher, row) for row in reversed(rows)]
    return Outcome(HistoryPage(messages, rows[-1].id if more and rows else None, reactions))
