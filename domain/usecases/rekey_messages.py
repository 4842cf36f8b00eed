"""Key rotation at rest: rewrite stored messages under the primary key, batch by batch, and
count what is still under an older one before that key may go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ports.cipher import KeyRing, UndecryptableError
from ports.unit_of_work import UnitOfWorkFactory

DEFAULT_BATCH = 500


@dataclass(frozen=True, slots=True)
class KeyCensus:
    """Stored messages by the key that opens them."""

    scanned: int = 0
    current: int = 0  # under the primary key
    older: int = 0  # under another configured key: still to rewrite
    unreadable: int = 0  # under no configured key (lost already; nothing to rewrite)
    # Moved to the primary key by this pass; a message changed (edited, deleted) between
    # read and write is left as it is and counts as `older`, for another pass to look at.
    rewritten: int = 0

    def __add__(self, other: KeyCensus) -> KeyCensus:
        return KeyCensus(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(census: KeyCensus) -> tuple[int, ...]:
    return (
        census.scanned,
        census.current,
        census.older,
        census.unreadable,
        census.rewritten,
    )


def rekey_messages(
    uow: UnitOfWorkFactory,
    keys: KeyRing,
    batch: int = DEFAULT_BATCH,
    progress: Callable[[KeyCensus], None] | None = None,
) -> KeyCensus:
    """Rewrite every message not under the primary key, one short transaction per batch,
    so servers keep reading and writing meanwhile (their keys open old and new alike)."""
    return _walk(uow, keys, batch, rewrite=True, progress=progress)


def census(uow: UnitOfWorkFactory, keys: KeyRing, batch: int = DEFAULT_BATCH) -> KeyCensus:
    """Count stored messages by key, changing nothing: `older` must be 0 to retire keys."""
    return _walk(uow, keys, batch, rewrite=False, progress=None)


def _walk(
    uow: UnitOfWorkFactory,
    keys: KeyRing,
    batch: int,
    *,
    rewrite: bool,
    progress: Callable[[KeyCensus], None] | None,
) -> KeyCensus:
    total, after = KeyCensus(), None
    while True:
        with uow(write=rewrite) as unit:
            rows = unit.messages.ciphertexts(after, batch)
            if not rows:
                return total
            current = older = unreadable = 0
            changes: list[tuple[str, str, bytes, bytes]] = []
            for room_id, message_id, ciphertext in rows:
                if keys.is_current(ciphertext):
                    current += 1
                    continue
                try:
                    if rewrite:
                        changes.append((room_id, message_id, ciphertext, keys.rekey(ciphertext)))
                    else:
                        keys.decrypt(ciphertext)  # a census only asks whether some key opens it
                except UndecryptableError:
                    unreadable += 1
                    continue
                older += 1
            rewritten = 0
            if changes:
                rewritten = unit.messages.rekey(changes)
                unit.commit()
        step = KeyCensus(len(rows), current, older - rewritten, unreadable, rewritten)
        total += step
        after = rows[-1][1]
        if progress is not None:
            progress(total)
