"""Joining a room as a member: a user's token alone then grants that room."""

from __future__ import annotations

from domain.model.addresses import address_key
from domain.model.errors import ErrorCode, Forbidden, NotFound
from domain.model.members import Membership, Role
from domain.model.policies import (
    UserTokenClaims,
    check_address,
    check_standing,
    membership_holds,
)
from domain.model.rooms import RoomId
from domain.usecases.access import (
    check_client,
    check_live,
    check_room_password,
    refuse_unverified,
    reload_room,
)
from domain.usecases.deps import Deps, Outcome


def join_as_member(
    deps: Deps, claims: UserTokenClaims, room_id: str, password: str | None, client: str = ""
) -> Outcome[Membership]:
    """Make the token's user a member of this incarnation of the room with its password
    (none needed, none checked, if it is one already); `client` is remembered as its address."""
    rid = RoomId(room_id).value
    key = address_key(client) if client else ""
    with deps.uow() as uow:
        check_live(deps, uow, claims)
        room = uow.rooms.get(rid)
        held = uow.memberships.get(rid, claims.user_id) if room is not None else None
        now = deps.clock.now_ms()
        barred = uow.addresses.barred(rid, key, now) if room is not None and key else None
        if room is not None and membership_holds(held, room, claims.user_id):
            check_client(uow, room, client, user_id=claims.user_id)
    if room is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    # Those put out (kicked, banned), or from a banned address, are refused before any
    # password is checked.
    check_standing(held, room, claims.user_id, deps.clock.now_ms())
    # Joining twice is harmless: the token is the credential then.
    if held is not None and membership_holds(held, room, claims.user_id):
        return Outcome(held)
    check_address(barred)
    if password is None:
        raise Forbidden(ErrorCode.FORBIDDEN, "join this room with its password first")
    # Outside any transaction, as verify_room_password does: argon2 is slow on purpose, and
    # guesses no password could equal are refused without hashing.
    check_room_password(deps, room, password)
    refuse_unverified(deps, room, client)
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        # The sign-in may have been revoked, or the room re-created, while we hashed.
        check_live(deps, uow, claims)
        current = reload_room(uow, room)
        held = uow.memberships.get(rid, claims.user_id)
        check_standing(held, current, claims.user_id, now)  # banned while we hashed
        if held is not None and membership_holds(held, current, claims.user_id):
            return Outcome(held)  # a concurrent join got there first; keep its record
        # Replaces a membership of an earlier incarnation, which held nothing any more, or
        # one whose kick has ended.
        membership = Membership(rid, claims.user_id, Role.MEMBER, now, current.incarnation)
        uow.memberships.put(membership)
        if key:
            uow.addresses.record(rid, claims.user_id, key, now)
        uow.commit()
    return Outcome(membership)
