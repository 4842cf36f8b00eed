from __future__ import annotations

from domain.model.addresses import address_key
from domain.model.events import Event, PresenceChanged, PresenceShown
from domain.model.policies import Claims, Grant
from domain.model.presence import PRESENCE_LIST_MAX, Present, listed
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome
from domain.usecases.typing import typing_changed
from ports.repositories import MAX_ADDRESSES_PER_MEMBER


def join_room(
    deps: Deps, claims: Claims, room_id: str, connection_id: str, client: str = ""
) -> Outcome[Grant]:
    """Let a live connection into a room its credential grants (from `client`) and count it
    present; the room hears of its identity's first connection only, not a further tab."""
    key = address_key(client) if client else ""
    with deps.uow() as uow:
        room, grant = open_room(deps, uow, claims, room_id, client=client)
        used = uow.addresses.of_member(room.id, grant.user_id) if key else []
    if key and key not in used and len(used) < MAX_ADDRESSES_PER_MEMBER:
        # Where a token is used is where a ban of its identity reaches (once per address).
        with deps.uow(write=True) as uow:
            current = uow.rooms.get(room.id)
            if current is not None and current.incarnation == room.incarnation:
                uow.addresses.record(room.id, grant.user_id, key, deps.clock.now_ms())
                uow.commit()
    who = Present(grant.user_id, grant.username, grant.guest)
    arrival = deps.presence.enter(grant.room_id, connection_id, who)
    users = tuple(listed(deps.presence.online(grant.room_id), PRESENCE_LIST_MAX))
    events: list[Event] = [PresenceShown(grant.room_id, connection_id, arrival.online, users)]
    if arrival.first:
        events.append(
            PresenceChanged(
                grant.room_id, grant.user_id, grant.username, True, arrival.online, grant.guest
            )
        )
    return Outcome(grant, events)


def leave_room(deps: Deps, grant: Grant, connection_id: str) -> Outcome[None]:
    """Take a connection out of a room (on leave, disconnect or eviction). The room hears of
    it only when it was its identity's last connection there (and stops showing it typing)."""
    departure = deps.presence.leave(grant.room_id, connection_id)
    if departure is None or not departure.last:
        return Outcome(None)
    events: list[Event] = [
        PresenceChanged(
            grant.room_id, grant.user_id, grant.username, False, departure.online, grant.guest
        )
    ]
    if departure.was_typing:
        events.append(typing_changed(deps, grant.room_id))
    return Outcome(None, events)


def forget_departed(deps: Deps) -> list[Event]:
    """The sweep's: connections of processes that stopped without leaving (a shared
    presence store finds them) are gone; each room hears of identities that had no other."""
    events: list[Event] = []
    for room_id, departure in deps.presence.sweep():
        if not departure.last:
            continue
        who = departure.who
        events.append(
            PresenceChanged(room_id, who.user_id, who.username, False, departure.online, who.guest)
        )
        if departure.was_typing:
            events.append(typing_changed(deps, room_id))
    return events
