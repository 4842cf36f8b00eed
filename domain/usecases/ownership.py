"""What only a room's owner may do: rotate the owner's admin token, hand the room on.

The owner (`Room.owner`) is the room's creator, or whom the owner handed it to. Its proof is
its own credential: the admin token naming it, its user token (an account or guest profile
that owns the room), or the room's admin password (which stands for the owner). A co-admin
is refused (`owner_required`): it can neither take the owner's credential nor the room.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.model.audit import AuditAction
from domain.model.errors import ErrorCode, Forbidden, NotFound
from domain.model.events import RoleChanged
from domain.model.members import Role
from domain.model.policies import AdminProof, Credential, Grant, membership_holds
from domain.model.rooms import Room
from domain.model.sessions import EndReason
from domain.usecases.access import issue_room_token
from domain.usecases.admin_access import member_id, open_as_admin, revoked
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


def open_as_owner(
    deps: Deps, uow: UnitOfWork, credential: Credential, room_id: str, client: str = ""
) -> tuple[Room, Grant]:
    """The room and its owner's grant (`open_as_admin`, then the grant must be the
    owner's: OWNER_REQUIRED otherwise)."""
    room, grant = open_as_admin(deps, uow, credential, room_id, client)
    if grant.user_id != room.owner:
        raise Forbidden(ErrorCode.OWNER_REQUIRED, "only the room's owner may do this")
    return room, grant


@dataclass(frozen=True, slots=True)
class AdminToken:
    token: str
    expires_in: int


def rotate_admin_token(
    deps: Deps, claims: Credential, room_id: str, client: str = ""
) -> Outcome[AdminToken]:
    """A new admin token for the room's owner (with its token or the admin password); every
    admin token issued before it stops working."""
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        room, grant = open_as_owner(deps, uow, claims, room_id, client)
        room.admin_version += 1
        uow.rooms.update(room)
        uow.record(revoked(room, EndReason.ADMIN_TOKEN_ROTATED))
        note(deps, uow, AuditAction.ADMIN_TOKEN_ROTATED, grant.user_id, room, address=client)
        uow.commit()
        events = uow.collect_events()
    ttl = deps.config.admin_token_ttl_s
    # One asked for with a sign-in's token dies with that sign-in (logout, a replayed refresh
    # token) and shows an account as an account, never as a guest.
    family = None if isinstance(claims, AdminProof) else claims.family_id
    token = issue_room_token(
        deps,
        room,
        grant.user_id,
        grant.username,
        Role.ADMIN,
        ttl,
        now,
        family_id=family,
        guest=grant.guest,
    )
    return Outcome(AdminToken(token, ttl), events)


@dataclass(frozen=True, slots=True)
class OwnerChanged:
    room_id: str
    owner: str
    previous: str


def transfer_ownership(
    deps: Deps, claims: Credential, room_id: str, user_id: str, client: str = ""
) -> Outcome[OwnerChanged]:
    """The owner hands the room to `user_id`, an active member (else MEMBER_NOT_FOUND), made
    admin; the previous owner stays a co-admin, and the admin password is removed."""
    target = member_id(user_id)
    with deps.uow(write=True) as uow:
        room, grant = open_as_owner(deps, uow, claims, room_id, client)
        held = uow.memberships.get(room.id, target)
        if held is None or not membership_holds(held, room, target):
            raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "no such member in this room")
        previous = room.owner
        if target != previous:
            if held.role is not Role.ADMIN:
                uow.memberships.put(replace(held, role=Role.ADMIN))
                uow.record(RoleChanged(room.id, target, Role.ADMIN))
            room.owner_id = target
            # It stood for the previous owner; the new one proves itself with its own token.
            room.admin_password_hash = None
            uow.rooms.update(room)
            note(deps, uow, AuditAction.OWNER_TRANSFERRED, grant.user_id, room, target, client)
        uow.commit()
        events = uow.collect_events()
    return Outcome(OwnerChanged(room.id, target, previous), events)
