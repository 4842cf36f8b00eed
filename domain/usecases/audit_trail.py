"""The audit log: what the use cases write (`note`, in their own transaction; `note_apart`
for a refused attempt, whose own transaction is rolled back) and what a room's admins read
(`room_audit`)."""

from __future__ import annotations

from domain.model.audit import AUDIT_PAGE_MAX, AuditAction, AuditEntry
from domain.model.errors import ErrorCode, InvalidInput
from domain.model.messages import check_message_id
from domain.model.policies import Credential
from domain.model.rooms import Room
from domain.usecases.admin_access import open_as_admin
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


def note(
    deps: Deps,
    uow: UnitOfWork,
    action: AuditAction,
    actor: str,
    room: Room | None = None,
    target: str | None = None,
    address: str = "",
    detail: str = "",
) -> None:
    """One entry, committed (or not) with the unit of work it is written in."""
    uow.audit.add(
        AuditEntry(
            deps.ids.message_id(),
            deps.clock.now_ms(),
            action,
            actor,
            room.id if room is not None else None,
            room.incarnation if room is not None else None,
            target,
            address,
            detail,
        )
    )


def note_apart(
    deps: Deps,
    action: AuditAction,
    actor: str,
    address: str = "",
    detail: str = "",
    room: Room | None = None,
) -> None:
    """One entry in a transaction of its own (a failed attempt: nothing else is written)."""
    with deps.uow(write=True) as uow:
        note(deps, uow, action, actor, room, address=address, detail=detail)
        uow.commit()


def room_audit(
    deps: Deps,
    claims: Credential,
    room_id: str,
    limit: int = 50,
    before: str | None = None,
    client: str = "",
) -> Outcome[list[AuditEntry]]:
    """The room's entries (this incarnation's), newest first, for its admins only."""
    if not 1 <= limit <= AUDIT_PAGE_MAX:
        raise InvalidInput(ErrorCode.INVALID_LIMIT, f"limit must be 1-{AUDIT_PAGE_MAX}")
    if before is not None:
        check_message_id(before)  # entry ids are UUIDv7s, as message ids are
    with deps.uow() as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id, client)
        entries = uow.audit.of_room(room.id, room.incarnation, limit, before)
    return Outcome(entries)
