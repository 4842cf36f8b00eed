from __future__ import annotations

from dataclasses import dataclass

from domain.model.accounts import username_key
from domain.model.audit import AuditAction
from domain.model.errors import Conflict, ErrorCode, InvalidInput
from domain.model.events import RoomCreated
from domain.model.members import (
    Membership,
    Role,
    UserProfile,
    check_username,
    default_username,
)
from domain.model.policies import UserTokenClaims
from domain.model.rooms import Room, RoomId, check_new_password
from domain.usecases.access import check_live, issue_room_token
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreatedRoom:
    room_id: str
    user_id: str
    admin_token: str
    expires_in: int
    username: str


def create_room(
    deps: Deps,
    room_id: str,
    password: str,
    admin_password: str | None = None,
    creator: UserTokenClaims | None = None,
    username: str | None = None,
    client: str = "",
) -> Outcome[CreatedRoom]:
    """Create a room (never over an existing one) administered by its creator: `creator`'s
    user, or else one new guest named `username`; the answer carries its admin token."""
    # The guest creator is the room's one admin member (its admin token is its credential to
    # chat with too, never a second self), held to a verifying guest's name rule. A
    # signed-in creator's token dies with its sign-in; its name is the account's.
    rid = RoomId(room_id).value
    if creator is None and username is not None:
        username = check_username(username)  # the normalized form is the one kept
    check_new_password(password)
    # An admin password proves admin as the admin token does; it differs from the join
    # password, which never makes an admin.
    if admin_password is not None:
        check_new_password(admin_password)
        if admin_password == password:
            raise InvalidInput(
                ErrorCode.INVALID_PASSWORD, "the admin password must differ from the join password"
            )
    with deps.uow() as uow:
        # Cheap early answer; the insert below is what actually guards against a race.
        if uow.rooms.get(rid) is not None:
            raise Conflict(ErrorCode.ROOM_EXISTS, "a room with this id already exists")
        if creator is None and username is not None and _name_held(uow, username):
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
    # Hash outside any transaction: it is slow on purpose.
    password_hash = deps.hasher.hash(password)
    admin_hash = deps.hasher.hash(admin_password) if admin_password is not None else None
    now = deps.clock.now_ms()
    if creator is not None:
        creator_id, username = creator.user_id, creator.username
    else:
        creator_id = deps.ids.guest_id()
        username = username if username is not None else default_username(creator_id)
    room = Room(
        id=rid,
        incarnation=deps.ids.incarnation(),
        password_hash=password_hash,
        created_by=creator_id,
        created_at_ms=now,
        admin_password_hash=admin_hash,
    )
    with deps.uow(write=True) as uow:
        uow.rooms.add(room)
        if creator is None:
            uow.profiles.put(UserProfile(creator_id, username, now))
        else:
            check_live(deps, uow, creator)  # not logged out while we hashed
        uow.memberships.put(Membership(rid, creator_id, Role.ADMIN, now, room.incarnation))
        uow.record(RoomCreated(rid, creator_id))
        note(deps, uow, AuditAction.ROOM_CREATED, creator_id, room, address=client)
        uow.commit()
        events = uow.collect_events()
    ttl = deps.config.admin_token_ttl_s
    # A creator's sign-in binds its admin token: it dies with that sign-in (logout), and
    # shows the account as what it is, never as a guest.
    token = issue_room_token(
        deps,
        room,
        creator_id,
        username,
        Role.ADMIN,
        ttl,
        now,
        family_id=creator.family_id if creator is not None else None,
        guest=creator.guest if creator is not None else True,
    )
    return Outcome(CreatedRoom(rid, creator_id, token, ttl, username), events)


def _name_held(uow: UnitOfWork, username: str) -> bool:
    """Whether an account or a guest profile holds this name (in any spelling that folds
    to it): not a name for a room guest to show, as `verify_room_password` says."""
    return uow.users.by_username_key(username_key(username)) is not None
