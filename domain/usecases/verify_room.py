from __future__ import annotations

from dataclasses import dataclass

from domain.model.accounts import username_key
from domain.model.addresses import IpPolicy, address_key, within
from domain.model.audit import AuditAction
from domain.model.errors import Conflict, ErrorCode, Forbidden, NotFound, Unauthorized
from domain.model.members import Membership, Role, UserProfile, check_username, default_username
from domain.model.policies import check_address
from domain.model.rooms import RoomId
from domain.usecases.access import (
    check_room_password,
    issue_room_token,
    refuse_unverified,
    reload_room,
)
from domain.usecases.audit_trail import note_apart
from domain.usecases.deps import Deps, Outcome


@dataclass(frozen=True, slots=True)
class RoomAccess:
    token: str
    expires_in: int
    user_id: str
    username: str


def verify_room_password(
    deps: Deps,
    room_id: str,
    password: str | None,
    username: str | None = None,
    client: str = "",
) -> Outcome[RoomAccess]:
    """The right password (or, under `allow`, a verified network) buys a short-lived room
    token for a new guest identity, unless `client` is banned or, under `require`, unverified."""
    rid = RoomId(room_id).value
    if username is not None:
        username = check_username(username)  # the normalized form is the one kept
    key = address_key(client) if client else ""
    with deps.uow() as uow:
        room = uow.rooms.get(rid)
        now = deps.clock.now_ms()
        barred = uow.addresses.barred(rid, key, now) if room is not None and key else None
        # A name an account or a guest profile holds is not for a room guest to show.
        claimed = (
            username is not None and uow.users.by_username_key(username_key(username)) is not None
        )
        networks = (
            [e.network for e in uow.networks.of_room(rid) if e.verified]
            if room is not None and room.settings.ip_policy is IpPolicy.ALLOW
            else []
        )
    if room is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    check_address(barred)  # before any hashing: a barred address learns nothing of it
    # A name taken in any spelling that folds alike, checked before the password.
    if claimed:
        raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
    if password is None:
        if room.settings.ip_policy is not IpPolicy.ALLOW:
            raise Unauthorized(ErrorCode.BAD_PASSWORD, "this room takes its password")
        if not within(client, networks):
            raise Forbidden(ErrorCode.IP_NOT_VERIFIED, "this address is not verified for this room")
    else:
        # Guesses no password could equal are refused without hashing (no CPU amplification).
        try:
            check_room_password(deps, room, password)
        except Unauthorized:
            detail = "wrong room password"
            note_apart(deps, AuditAction.SIGN_IN_FAILED, "-", client, detail, room)
            raise
        refuse_unverified(deps, room, client)
    now = deps.clock.now_ms()
    user_id = deps.ids.guest_id()
    name = username if username is not None else default_username(user_id)
    with deps.uow(write=True) as uow:
        reload_room(uow, room)
        uow.profiles.put(UserProfile(user_id, name, now))
        uow.memberships.put(Membership(rid, user_id, Role.MEMBER, now, room.incarnation))
        # The guest's address: banning the guest bans it too.
        if key:
            uow.addresses.record(rid, user_id, key, now)
        uow.commit()
    ttl = deps.config.room_token_ttl_s
    token = issue_room_token(deps, room, user_id, name, Role.MEMBER, ttl, now)
    return Outcome(RoomAccess(token, ttl, user_id, name))
