from __future__ import annotations

from domain.model.addresses import address_key
from domain.model.events import PresenceChanged
from domain.model.policies import Claims, Grant
from domain.usecases.access import open_room
from domain.usecases.deps import Deps, Outcome
from ports.repositories import MAX_ADDRESSES_PER_MEMBER


def join_room(
    deps: Deps, claims: Claims, room_id: str, connection_id: str, client: str = ""
) -> Outcome[Grant]:
    """Let a live connection into a room its credential grants (from `client`, under the
    room's IP policy), and count it present."""
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
    online = deps.presence.enter(grant.room_id, connection_id, grant.user_id)
    event = PresenceChanged(grant.room_id, grant.user_id, grant.username, True, online, grant.guest)
    return Outcome(grant, [event])


def leave_room(deps: Deps, grant: Grant, connection_id: str) -> Outcome[None]:
    """Take a connection out of a room (on leave or disconnect)."""
    online = deps.presence.leave(grant.room_id, connection_id)
    if online is None:
        return Outcome(None)
    return Outcome(
        None,
        [PresenceChanged(grant.room_id, grant.user_id, grant.username, False, online, grant.guest)],
    )
