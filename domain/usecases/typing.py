"""Who is typing in a room: started, refreshed and stopped by its members' sockets, ended
by itself `typing_s` after the last start (the sweep calls `expire_typing`)."""

from __future__ import annotations

from domain.model.events import TypingChanged
from domain.model.policies import Claims, Grant, check_claims, require_own_identity
from domain.model.presence import TYPING_LIST_MAX, listed
from domain.usecases.deps import Deps, Outcome


def set_typing(
    deps: Deps, claims: Claims, grant: Grant, is_typing: bool, user_id: str | None = None
) -> Outcome[None]:
    """Start, refresh or stop the grant's identity typing in its room, in memory only: `grant`
    is what the join proved, `claims` its unexpired token. Only changes are sent."""
    now = deps.clock.now_ms()
    check_claims(claims, now)
    require_own_identity(claims, user_id)
    until = now + deps.config.typing_s * 1000 if is_typing else None
    if not deps.presence.set_typing(grant.room_id, grant.user_id, until):
        return Outcome(None)
    return Outcome(None, [typing_changed(deps, grant.room_id)])


def expire_typing(deps: Deps) -> list[TypingChanged]:
    """End typing that ran out: the new list of each room where some did."""
    rooms = deps.presence.expire_typing(deps.clock.now_ms())
    return [typing_changed(deps, room_id) for room_id in rooms]


def typing_changed(deps: Deps, room_id: str) -> TypingChanged:
    """The room's typing list as it is now."""
    now = deps.clock.now_ms()
    users = listed(deps.presence.typing(room_id, now), TYPING_LIST_MAX)
    return TypingChanged(room_id, tuple(users))
