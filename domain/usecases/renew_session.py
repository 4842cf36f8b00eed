"""Sessions that outlive a token: a room token renewed for the same identity, and a live
connection's claims swapped for a fresh token's without reconnecting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Role
from domain.model.policies import Claims, Grant, RoomTokenClaims
from domain.model.sessions import renewed_expiry
from domain.usecases.access import LookupMemo, check_live, open_room, verify_token
from domain.usecases.deps import Deps, Outcome
from domain.usecases.verify_room import RoomAccess


def renew_room_token(
    deps: Deps, claims: Claims, room_id: str, client: str = "", current_s: int | None = None
) -> Outcome[RoomAccess]:
    """A fresh room token like the verified `claims`, while the room still grants it
    (`open_room`); a guest's session ends `guest_session_ttl_s` after its first token."""
    # The fresh token never ends before the one it replaces (`current_s`, seconds; default:
    # the claims' own expiry).
    if not isinstance(claims, RoomTokenClaims):
        raise Forbidden(
            ErrorCode.FORBIDDEN, "a room token is renewed here; a user token by its refresh token"
        )
    with deps.uow() as uow:
        open_room(deps, uow, claims, room_id, client=client)
    now_s = deps.clock.now_ms() // 1000
    config = deps.config
    ttl = config.admin_token_ttl_s if claims.role is Role.ADMIN else config.room_token_ttl_s
    # One minted from a sign-in ends with that sign-in instead.
    session_ttl = config.guest_session_ttl_s if claims.family_id is None else None
    current = claims.expires_at if current_s is None else current_s
    expires = renewed_expiry(now_s, ttl, current, claims.session_start, session_ttl)
    if expires is None:
        raise Unauthorized(ErrorCode.SESSION_EXPIRED, "this session has ended; verify again")
    token = deps.tokens.issue_room_token(replace(claims, expires_at=expires))
    return Outcome(RoomAccess(token, expires - now_s, claims.user_id, claims.username))


def renew_claims(
    deps: Deps, current: Claims, token: str | None, rooms: Iterable[str], client: str = ""
) -> tuple[Claims, dict[str, Grant]]:
    """A live connection's next claims from a fresh token of its identity (else
    IDENTITY_MISMATCH) and their grants of its `rooms`; a refusal there is raised."""
    claims = verify_token(deps, token)
    if claims.user_id != current.user_id:
        raise Forbidden(ErrorCode.IDENTITY_MISMATCH, "this token is of another identity")
    grants: dict[str, Grant] = {}
    known = LookupMemo()
    with deps.uow() as uow:
        check_live(deps, uow, claims, known)
        for room_id in rooms:
            grants[room_id] = open_room(deps, uow, claims, room_id, known, client)[1]
    return claims, grants
