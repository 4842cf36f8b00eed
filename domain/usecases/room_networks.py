"""A room's networks as its admins see them, and the rule that keeps a co-admin inside them."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.addresses import IpPolicy, within
from domain.model.errors import ErrorCode, Forbidden
from domain.model.policies import Grant
from domain.model.rooms import Room
from domain.usecases.deps import Deps
from ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Networks:
    """A room's IP policy, its verified networks and the addresses awaiting a look."""

    room_id: str
    ip_policy: IpPolicy
    verified: list[str]
    pending: list[str]


def networks_of(deps: Deps, room: Room) -> Networks:
    with deps.uow() as uow:
        current = uow.rooms.get(room.id)
        entries = uow.networks.of_room(room.id)
    policy = current.settings.ip_policy if current is not None else room.settings.ip_policy
    return Networks(
        room.id,
        policy,
        [e.network for e in entries if e.verified],
        [e.network for e in entries if not e.verified],
    )


def verified_networks(uow: UnitOfWork, room: Room) -> list[str]:
    return [e.network for e in uow.networks.of_room(room.id) if e.verified]


def keep_yourself_in(room: Room, grant: Grant, networks: list[str], client: str) -> None:
    """A co-admin may not narrow `require`'s list so that its own address is out; the
    owner may (it is never shut out)."""
    if grant.user_id != room.owner and not within(client, networks):
        raise Forbidden(
            ErrorCode.IP_NOT_VERIFIED,
            "your own address would not be verified: verify it first, or you lock yourself out",
        )
