"""Room administration: what a room's admins may do to it, and what a sender may undo.

Admin is proven by the credential alone: the room's admin token (a room token of role admin,
of this incarnation and admin version), or a user token whose user is an admin member of
this incarnation. The join password never makes an admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.errors import ErrorCode, Forbidden, InvalidInput, NotFound
from domain.model.events import HistoryCleared, MessageDeleted, RoomDeleted, RoomTokensRevoked
from domain.model.members import Membership, Role
from domain.model.messages import is_message_id
from domain.model.policies import Claims, Grant, membership_holds
from domain.model.rooms import Room, RoomSettings, check_message_limit, check_new_password
from domain.usecases.access import issue_room_token, open_room, reload_room
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


def open_as_admin(deps: Deps, uow: UnitOfWork, claims: Claims, room_id: str) -> tuple[Room, Grant]:
    """`open_room`, then the grant must be an admin's (ADMIN_REQUIRED otherwise)."""
    room, grant = open_room(deps, uow, claims, room_id)
    if grant.role is not Role.ADMIN:
        raise Forbidden(ErrorCode.ADMIN_REQUIRED, "this takes an admin of the room")
    return room, grant


def delete_room(deps: Deps, claims: Claims, room_id: str) -> Outcome[str]:
    """Delete the room with every message and membership. Its tokens die with its
    incarnation: a room later created under the same id is another room."""
    with deps.uow(write=True) as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id)
        uow.rooms.delete(room.id, room.incarnation)
        uow.record(RoomDeleted(room.id, room.incarnation))
        uow.commit()
        events = uow.collect_events()
    return Outcome(room.id, events)


def clear_history(deps: Deps, claims: Claims, room_id: str) -> Outcome[int]:
    """Delete every message of the room; the number deleted."""
    with deps.uow(write=True) as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id)
        count = uow.messages.count(room.id)
        uow.messages.clear(room.id)
        uow.record(HistoryCleared(room.id, count))
        uow.commit()
        events = uow.collect_events()
    return Outcome(count, events)


def delete_message(deps: Deps, claims: Claims, room_id: str, message_id: str) -> Outcome[str]:
    """Delete one message: its sender may, and the room's admins."""
    with deps.uow(write=True) as uow:
        room, grant = open_room(deps, uow, claims, room_id)
        if not is_message_id(message_id):
            raise InvalidInput(ErrorCode.INVALID_MESSAGE_ID, "not a message id")
        message = uow.messages.get(room.id, message_id)
        if message is None:
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this room")
        if message.user_id != grant.user_id and grant.role is not Role.ADMIN:
            raise Forbidden(ErrorCode.FORBIDDEN, "only its sender or an admin may delete it")
        uow.messages.delete(room.id, message_id)
        uow.record(MessageDeleted(room.id, message_id))
        uow.commit()
        events = uow.collect_events()
    return Outcome(message_id, events)


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    username: str
    role: Role
    joined_at_ms: int


@dataclass(frozen=True, slots=True)
class RoomOverview:
    """What the admin dashboard shows of a room."""

    room_id: str
    created_by: str
    created_at_ms: int
    settings: RoomSettings
    members: list[Member]
    message_count: int


def room_overview(deps: Deps, claims: Claims, room_id: str) -> Outcome[RoomOverview]:
    with deps.uow() as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id)
        members = [
            Member(m.user_id, _username(uow, m), m.role, m.created_at_ms)
            for m in uow.memberships.in_room(room.id)
            if membership_holds(m, room, m.user_id)
        ]
        count = uow.messages.count(room.id)
    overview = RoomOverview(
        room.id, room.created_by, room.created_at_ms, room.settings, members, count
    )
    return Outcome(overview)


def _username(uow: UnitOfWork, membership: Membership) -> str:
    user = uow.users.get(membership.user_id)
    if user is not None:
        return user.username
    profile = uow.profiles.get(membership.user_id)
    return profile.username if profile is not None else membership.user_id


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What a PATCH asks to change; None leaves a field as it is (`message_limit` is
    cleared with `clear_message_limit`)."""

    message_limit: int | None = None
    clear_message_limit: bool = False
    password: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    settings: RoomSettings
    password_changed: bool


def update_settings(
    deps: Deps, claims: Claims, room_id: str, change: SettingsChange
) -> Outcome[SettingsChanged]:
    """Change a room's settings. A new join password revokes every guest room token issued
    before it (admin tokens and members stay: they never depended on the password)."""
    limit = check_message_limit(change.message_limit)
    if change.password is not None:
        check_new_password(change.password)
    with deps.uow() as uow:  # refuse a non-admin before any hashing
        room, _ = open_as_admin(deps, uow, claims, room_id)
    # Outside any transaction: argon2 is slow on purpose.
    password_hash = deps.hasher.hash(change.password) if change.password is not None else None
    with deps.uow(write=True) as uow:
        current = reload_room(uow, room)
        open_as_admin(deps, uow, claims, room_id)  # still an admin after the hash
        if change.clear_message_limit:
            current.settings = RoomSettings(message_limit=None)
        elif limit is not None:
            current.settings = RoomSettings(message_limit=limit)
        if password_hash is not None:
            current.password_hash = password_hash
            current.password_version += 1
            uow.record(_revoked(current))
        uow.rooms.update(current)
        uow.commit()
        events = uow.collect_events()
    return Outcome(SettingsChanged(current.settings, password_hash is not None), events)


@dataclass(frozen=True, slots=True)
class AdminToken:
    token: str
    expires_in: int


def rotate_admin_token(deps: Deps, claims: Claims, room_id: str) -> Outcome[AdminToken]:
    """A new admin token for the room; every admin token issued before it stops working.
    The new one names the identity of the admin who asked."""
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id)
        room.admin_version += 1
        uow.rooms.update(room)
        uow.record(_revoked(room))
        uow.commit()
        events = uow.collect_events()
    ttl = deps.config.admin_token_ttl_s
    token = issue_room_token(deps, room, grant.user_id, grant.username, Role.ADMIN, ttl, now)
    return Outcome(AdminToken(token, ttl), events)


def _revoked(room: Room) -> RoomTokensRevoked:
    return RoomTokensRevoked(room.id, room.incarnation, room.password_version, room.admin_version)
