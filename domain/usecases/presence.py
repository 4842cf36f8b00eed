"""Who is in a room, read over REST with the same access as its history."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.policies import Claims
from domain.model.presence import PRESENCE_LIST_MAX, Present, listed
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome


@dataclass(frozen=True, slots=True)
class RoomPresence:
    room_id: str
    users: list[Present]  # cut at PRESENCE_LIST_MAX; `count` is exact
    count: int


def room_presence(
    deps: Deps, claims: Claims, room_id: str, client: str = ""
) -> Outcome[RoomPresence]:
    with deps.uow() as uow:
        room, _ = open_room(deps, uow, claims, room_id, client=client)
    users = deps.presence.online(room.id)
    return Outcome(RoomPresence(room.id, listed(users, PRESENCE_LIST_MAX), len(users)))
