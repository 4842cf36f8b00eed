"""Authentication and the room-access check every room operation starts with."""

from __future__ import annotations

from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Role
from domain.model.policies import Grant, RoomTokenClaims, check_claims, require_access
from domain.model.rooms import Room, RoomId
from domain.usecases.deps import Deps
from ports.unit_of_work import UnitOfWork


def authenticate(deps: Deps, token: str | None) -> RoomTokenClaims:
    """The claims of a valid token; Unauthorized for a missing, expired or forged one."""
    if not token:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "a bearer token is required")
    claims = deps.tokens.verify_room_token(token)
    check_claims(claims, deps.clock.now_ms())
    return claims


def open_room(
    deps: Deps,
    uow: UnitOfWork,
    claims: RoomTokenClaims,
    room_id: str,
    known: dict[str, Room | None] | None = None,
) -> tuple[Room, Grant]:
    """Load the room and check the claims against it, inside the caller's unit of work.

    `known` memoizes room loads within that unit of work (a batch touching one room reads
    it once)."""
    rid = RoomId(room_id).value
    if claims.room_id != rid:  # before any lookup: a token for room A learns nothing of B
        raise Forbidden(ErrorCode.FORBIDDEN, "this token does not grant access to this room")
    if known is not None and rid in known:
        room = known[rid]
    else:
        room = uow.rooms.get(rid)
        if known is not None:
            known[rid] = room
    if room is None:
        # The room this token was bought for is gone: the token is dead, not misdirected.
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
    check_claims(claims, deps.clock.now_ms(), room)
    return room, require_access(deps.policy, room, claims)


def issue_room_token(
    deps: Deps, room: Room, user_id: str, username: str, role: Role, ttl_s: int, now_ms: int
) -> str:
    """A token for one identity in this room incarnation, at its current password version."""
    return deps.tokens.issue_room_token(
        RoomTokenClaims(
            user_id=user_id,
            username=username,
            room_id=room.id,
            incarnation=room.incarnation,
            password_version=room.password_version,
            role=role,
            expires_at=now_ms // 1000 + ttl_s,
        )
    )
