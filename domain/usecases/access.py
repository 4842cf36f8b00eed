"""Authentication and the room-access check every room operation starts with."""

from __future__ import annotations

from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.policies import Grant, RoomTokenClaims, require_access
from domain.model.rooms import Room, RoomId
from domain.usecases.deps import Deps
from ports.unit_of_work import UnitOfWork


def authenticate(deps: Deps, token: str | None) -> RoomTokenClaims:
    """The claims of a valid token; Unauthorized for a missing, expired or forged one."""
    if not token:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "a bearer token is required")
    claims = deps.tokens.verify_room_token(token)
    if claims.expires_at * 1000 <= deps.clock.now_ms():
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token has expired")
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
    if claims.room_id != rid:
        raise Forbidden(ErrorCode.FORBIDDEN, "this token does not grant access to this room")
    if claims.expires_at * 1000 <= deps.clock.now_ms():
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token has expired")
    if known is not None and rid in known:
        room = known[rid]
    else:
        room = uow.rooms.get(rid)
        if known is not None:
            known[rid] = room
    if room is None:
        # The room this token was bought for is gone: the token is dead, not misdirected.
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
    return room, require_access(deps.policy, room, claims)
