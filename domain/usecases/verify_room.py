from __future__ import annotations

from dataclasses import dataclass

from domain.model.errors import ErrorCode, Forbidden, NotFound
from domain.model.members import Membership, Role, UserProfile, check_username, default_username
from domain.model.rooms import RoomId
from domain.usecases.access import check_room_password, issue_room_token, reload_room
from domain.usecases.deps import Deps, Outcome


@dataclass(frozen=True, slots=True)
class RoomAccess:
    token: str
    expires_in: int
    user_id: str
    username: str


def verify_room_password(
    deps: Deps, room_id: str, password: str, username: str | None = None, address: str = ""
) -> Outcome[RoomAccess]:
    """A correct password buys a short-lived room token for a new guest identity, unless the
    client's address (`address`: edge.address_key; "" when unknown) is banned from the room.
    The address is remembered as the guest's, so that banning the guest bans it too."""
    rid = RoomId(room_id).value
    if username is not None:
        username = check_username(username)  # the normalized form is the one kept
    with deps.uow() as uow:
        room = uow.rooms.get(rid)
        barred = room is not None and bool(address) and uow.addresses.banned(rid, address)
    if room is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    if barred:  # before any hashing: a banned address learns nothing of the password
        raise Forbidden(ErrorCode.BANNED, "this address is banned from this room")
    # Guesses that no password could equal are refused without hashing (no CPU amplification).
    check_room_password(deps, room, password)
    now = deps.clock.now_ms()
    user_id = deps.ids.guest_id()
    name = username if username is not None else default_username(user_id)
    with deps.uow(write=True) as uow:
        reload_room(uow, room)
        uow.profiles.put(UserProfile(user_id, name, now))
        uow.memberships.put(Membership(rid, user_id, Role.MEMBER, now, room.incarnation))
        if address:
            uow.addresses.record(rid, user_id, address, now)
        uow.commit()
    ttl = deps.config.room_token_ttl_s
    token = issue_room_token(deps, room, user_id, name, Role.MEMBER, ttl, now)
    return Outcome(RoomAccess(token, ttl, user_id, name))
