"""The audit log: security events of a room or an account, who did them, from where, when.

Written by the use cases in the same transaction as what they record (a refused attempt
in one of its own), read by the room's admins (`GET /admin/rooms/<room_id>/audit`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

AUDIT_PAGE_MAX = 200


class AuditAction(StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    ROOM_CREATED = "room_created"
    ROOM_DELETED = "room_deleted"
    KICKED = "kicked"
    BANNED = "banned"
    UNBANNED = "unbanned"
    PROMOTED = "promoted"
    DEMOTED = "demoted"
    OWNER_TRANSFERRED = "owner_transferred"
    IP_VERIFIED = "ip_verified"
    IP_REVOKED = "ip_revoked"
    SETTINGS_CHANGED = "settings_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action's name, not a secret
    ADMIN_TOKEN_ROTATED = "admin_token_rotated"  # noqa: S105 - an action's name
    HISTORY_CLEARED = "history_cleared"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event: who did it (`actor`; `owner` for the room's admin password) to whom
    (`target`), in which room (None for an account's sign-in), from which address."""

    id: str  # time-ordered (a UUIDv7): pages go by it
    at_ms: int
    action: AuditAction
    actor: str
    room_id: str | None = None
    incarnation: str | None = None
    target: str | None = None
    address: str = ""
    detail: str = ""  # which settings changed, a network's CIDR: never a secret
