"""How a session ends and how long a guest's may go on: the reasons a socket is told, and
the lifetime rule of a renewed room token."""

from __future__ import annotations

from enum import StrEnum


class EndReason(StrEnum):
    """Why a socket loses a room (`kicked`, ...) or its connection (`session_ended`): the
    `reason` of the one event it is told first. Wire-stable: never rename one."""

    KICKED = "kicked"
    BANNED = "banned"
    ROOM_DELETED = "room_deleted"
    IP_NOT_VERIFIED = "ip_not_verified"
    ROOM_PASSWORD_CHANGED = "room_password_changed"  # noqa: S105 - a reason, not a secret
    ADMIN_TOKEN_ROTATED = "admin_token_rotated"  # noqa: S105 - a reason, not a secret
    LOGGED_OUT = "logged_out"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"  # noqa: S105 - a reason, not a secret
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - a reason, not a secret


def renewed_expiry(
    now_s: int, ttl_s: int, current_s: int, session_start_s: int, session_ttl_s: int | None
) -> int | None:
    """When a renewed room token ends: `ttl_s` from now, capped at its session's end (no cap if
    `session_ttl_s` is None), never before `current_s`; None when the session has run out."""
    end = now_s + ttl_s
    if session_ttl_s is not None:
        cap = session_start_s + session_ttl_s
        if cap <= now_s:
            return None
        end = min(end, cap)
    return max(end, current_s)
