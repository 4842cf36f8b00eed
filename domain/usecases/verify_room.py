from __future__ import annotations

from dataclasses import dataclass

from domain.model.accounts import username_key
from domain.model.errors import Conflict, ErrorCode, NotFound
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
    deps: Deps, room_id: str, password: str, username: str | None = None
) -> Outcome[RoomAccess]:
    """A correct password buys a short-lived room token for a new guest identity. A chosen
    display name may not be one an account or a guest profile holds (USERNAME_TAKEN), in
    any spelling that folds to the same key; that is checked before the password is."""
    rid = RoomId(room_id).value
    if username is not None:
        username = check_username(username)  # the normalized form is the one kept
    with deps.uow() as uow:
        room = uow.rooms.get(rid)
        # A name an account or a guest profile holds is not for a room guest to show.
        claimed = (
            username is not None and uow.users.by_username_key(username_key(username)) is not None
        )
    if room is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    if claimed:
        raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
    # Guesses that no password could equal are refused without hashing (no CPU amplification).
    check_room_password(deps, room, password)
    now = deps.clock.now_ms()
    user_id = deps.ids.guest_id()
    name = username if username is not None else default_username(user_id)
    with deps.uow(write=True) as uow:
        reload_room(uow, room)
        uow.profiles.put(UserProfile(user_id, name, now))
        uow.memberships.put(Membership(rid, user_id, Role.MEMBER, now, room.incarnation))
        uow.commit()
    ttl = deps.config.room_token_ttl_s
    token = issue_room_token(deps, room, user_id, name, Role.MEMBER, ttl, now)
    return Outcome(RoomAccess(token, ttl, user_id, name))
