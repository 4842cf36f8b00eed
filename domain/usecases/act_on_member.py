"""An admin acts on one identity of the room: promote, demote, kick, ban, unban."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from domain.model.audit import AuditAction
from domain.model.errors import ErrorCode, Forbidden, NotFound
from domain.model.events import MemberRemoved, RoleChanged
from domain.model.members import Membership, Role, Standing
from domain.model.policies import Credential, of_this_room
from domain.model.rooms import Room
from domain.usecases.admin_access import member_id, open_as_admin
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


class Action(StrEnum):
    # promote / demote: an active member's role (admin / member).
    PROMOTE = "promote"
    DEMOTE = "demote"
    # Out for `config.kick_s`, then back the way it came (a guest's token works again while
    # it lives; a user needs the password again).
    KICK = "kick"
    # Out until unbanned, with the addresses it used in the room; one who never joined may
    # be banned ahead.
    BAN = "ban"
    # Lifts the ban and the address bans it made; the membership is gone.
    UNBAN = "unban"


AUDITED = {
    Action.PROMOTE: AuditAction.PROMOTED,
    Action.DEMOTE: AuditAction.DEMOTED,
    Action.KICK: AuditAction.KICKED,
    Action.BAN: AuditAction.BANNED,
    Action.UNBAN: AuditAction.UNBANNED,
}


@dataclass(frozen=True, slots=True)
class MemberStanding:
    """Where the target stands after an action; `membership` None: it holds none (unbanned,
    it may join again the way anyone does)."""

    room_id: str
    user_id: str
    membership: Membership | None


def act_on_member(
    deps: Deps, claims: Credential, room_id: str, user_id: str, action: Action, client: str = ""
) -> Outcome[MemberStanding]:
    """An admin's `action` (see `Action`) on one identity of the room; the room's owner is
    never demoted, kicked or banned (`owner_protected`)."""
    target = member_id(user_id)
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        held = uow.memberships.get(room.id, target)
        current = held if of_this_room(held, room, target) else None
        if target == room.owner and action is not Action.PROMOTE:
            raise Forbidden(ErrorCode.OWNER_PROTECTED, "the room's owner stays its admin")
        after = _apply(deps, uow, room, current, target, action, now)
        note(deps, uow, AUDITED[action], grant.user_id, room, target, client)
        uow.commit()
        events = uow.collect_events()
    return Outcome(MemberStanding(room.id, target, after), events)


def _apply(
    deps: Deps,
    uow: UnitOfWork,
    room: Room,
    current: Membership | None,
    target: str,
    action: Action,
    now: int,
) -> Membership | None:
    active = current is not None and current.standing is Standing.ACTIVE
    if action in (Action.PROMOTE, Action.DEMOTE, Action.KICK) and not active:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "no such member in this room")
    if action is Action.UNBAN:
        if current is None or current.standing is not Standing.BANNED:
            raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "no such banned identity in this room")
        uow.memberships.delete(room.id, target)
        uow.addresses.unban_member(room.id, target)
        return None
    if action is Action.BAN:
        for address in uow.addresses.of_member(room.id, target):
            uow.addresses.ban(room.id, address, target, now)
        base = current or Membership(room.id, target, Role.MEMBER, now, room.incarnation)
        after = replace(base, role=Role.MEMBER, standing=Standing.BANNED, until_ms=None)
        uow.record(MemberRemoved(room.id, target, Standing.BANNED))
    elif action is Action.KICK:
        assert current is not None
        until = now + deps.config.kick_s * 1000
        # Its addresses are held as long (a guest would otherwise buy a new identity
        # from the same place at once); a ban of one of them stays a ban.
        for address in uow.addresses.of_member(room.id, target):
            uow.addresses.ban(room.id, address, target, now, until)
        after = replace(current, role=Role.MEMBER, standing=Standing.KICKED, until_ms=until)
        uow.record(MemberRemoved(room.id, target, Standing.KICKED))
    else:
        assert current is not None
        role = Role.ADMIN if action is Action.PROMOTE else Role.MEMBER
        after = replace(current, role=role)
        if role is not current.role:
            uow.record(RoleChanged(room.id, target, role))
    uow.memberships.put(after)
    return after
