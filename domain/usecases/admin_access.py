"""What proves admin of a room, shared by the admin use cases (one module each).

Admin is proven by the credential alone: the room's admin token (a room token of role admin,
of this incarnation and admin version), a user token whose user is an admin member of
this incarnation, or the room's admin password (`prove_admin_password`). The join password
never makes an admin.

The room's owner (`Room.owner`: its creator, or whom it handed the room to) is an admin no
co-admin can demote, kick, ban or shut out with `require` (act_on_member.py,
update_settings.py, revoke_ip.py); what only the owner may do is in ownership.py. The admin
password stands for the owner.
"""

from __future__ import annotations

from domain.model.errors import ErrorCode, Forbidden, InvalidInput, NotFound, Unauthorized
from domain.model.events import RoomTokensRevoked
from domain.model.members import Role
from domain.model.policies import AdminProof, Credential, Grant
from domain.model.rooms import Room, RoomId, worth_hashing
from domain.model.sessions import EndReason
from domain.usecases.access import open_room
from domain.usecases.deps import Deps
from ports.unit_of_work import UnitOfWork


def prove_admin_password(deps: Deps, room_id: str, password: str) -> AdminProof:
    """The room's admin password, checked outside any transaction (argon2 is slow on
    purpose): a proof of admin for this incarnation of the room, or BAD_PASSWORD."""
    rid = RoomId(room_id).value
    with deps.uow() as uow:
        room = uow.rooms.get(rid)
    if room is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    # A room without one refuses every password alike, hashing nothing: whether a room has
    # one is not a secret worth a hash.
    if room.admin_password_hash is None or not _matches(deps, room.admin_password_hash, password):
        raise Unauthorized(ErrorCode.BAD_PASSWORD, "wrong admin password")
    return AdminProof(room.id, room.incarnation)


def _matches(deps: Deps, password_hash: str, password: str) -> bool:
    """Guesses no password could equal are refused without hashing."""
    return worth_hashing(password) and deps.hasher.verify(password_hash, password)


def open_as_admin(
    deps: Deps, uow: UnitOfWork, credential: Credential, room_id: str, client: str = ""
) -> tuple[Room, Grant]:
    """The room and an admin's grant of it, from an admin's token (else ADMIN_REQUIRED) or a
    verified admin password, which stands for the owner (so works from any address)."""
    if isinstance(credential, AdminProof):
        rid = RoomId(room_id).value
        if credential.room_id != rid:
            raise Forbidden(ErrorCode.FORBIDDEN, "this password does not grant this room")
        proved = uow.rooms.get(rid)
        if proved is None or proved.incarnation != credential.incarnation:
            raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
        username, guest = identity_of(uow, proved.owner)
        return proved, Grant(proved.id, proved.owner, username, Role.ADMIN, guest=guest)
    room, grant = open_room(deps, uow, credential, room_id, client=client)
    if grant.role is not Role.ADMIN:
        raise Forbidden(ErrorCode.ADMIN_REQUIRED, "this takes an admin of the room")
    return room, grant


def identity_of(uow: UnitOfWork, user_id: str) -> tuple[str, bool]:
    """An identity's name, and whether it is a guest's (no password behind it: a room
    guest, or a guest profile); an account's id is never shown as a guest's."""
    user = uow.users.get(user_id)
    if user is not None:
        return user.username, user.guest
    profile = uow.profiles.get(user_id)
    return (profile.username if profile is not None else user_id), True


def member_id(user_id: str) -> str:
    """A user id as the server mints them (the room-id alphabet): anything else names no one."""
    try:
        return RoomId(user_id).value
    except InvalidInput:
        raise InvalidInput(ErrorCode.INVALID_USER_ID, "not a user id") from None


def revoked(room: Room, reason: EndReason) -> RoomTokensRevoked:
    """The room's tokens issued before its new password (or admin-token rotation) die."""
    return RoomTokensRevoked(
        room.id, room.incarnation, room.password_version, room.admin_version, reason
    )
