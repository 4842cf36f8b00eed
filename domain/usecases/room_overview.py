"""A room as its admins see it: settings, members and roles, message count, networks."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.members import Membership, Role, Standing
from domain.model.policies import Credential, of_this_room
from domain.model.rooms import RoomSettings
from domain.usecases.admin_access import identity_of, open_as_admin
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    username: str
    role: Role
    joined_at_ms: int
    standing: Standing = Standing.ACTIVE
    until_ms: int | None = None
    guest: bool = True  # no password behind the identity (a room guest, a guest profile)


@dataclass(frozen=True, slots=True)
class RoomOverview:
    """What the admin dashboard shows of a room."""

    room_id: str
    created_by: str
    owner: str
    created_at_ms: int
    settings: RoomSettings
    members: list[Member]
    message_count: int
    verified: list[str]
    pending: list[str]


def room_overview(
    deps: Deps, claims: Credential, room_id: str, client: str = ""
) -> Outcome[RoomOverview]:
    with deps.uow() as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id, client)
        members = [
            Member(m.user_id, *_named(uow, m), guest=identity_of(uow, m.user_id)[1])
            for m in uow.memberships.in_room(room.id)
            if of_this_room(m, room, m.user_id)
        ]
        count = uow.messages.count(room.id)
        entries = uow.networks.of_room(room.id)
    overview = RoomOverview(
        room.id,
        room.created_by,
        room.owner,
        room.created_at_ms,
        room.settings,
        members,
        count,
        [e.network for e in entries if e.verified],
        [e.network for e in entries if not e.verified],
    )
    return Outcome(overview)


def _named(uow: UnitOfWork, m: Membership) -> tuple[str, Role, int, Standing, int | None]:
    return identity_of(uow, m.user_id)[0], m.role, m.created_at_ms, m.standing, m.until_ms
