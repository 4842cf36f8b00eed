"""Access policies: composable rules that decide whether a credential opens a room.

A credential is what the entrypoint already verified (a token's signature and expiry, a
password's hash); a policy decides what that credential is worth against the room as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Role
from domain.model.rooms import Room


@dataclass(frozen=True, slots=True)
class RoomTokenClaims:
    """What a verified room token says: who, which room incarnation, which password version."""

    user_id: str
    username: str
    room_id: str
    incarnation: str
    password_version: int
    role: Role
    expires_at: int


@dataclass(frozen=True, slots=True)
class Grant:
    """Access granted to one room for one identity."""

    room_id: str
    user_id: str
    username: str
    role: Role


class AccessPolicy(Protocol):
    def grant(self, room: Room, claims: RoomTokenClaims) -> Grant | None:
        """A grant, or None when this policy has nothing to say; raises when it refuses."""
        ...


class RoomTokenPolicy:
    """A room token opens the room it names, while that room incarnation and password live."""

    def grant(self, room: Room, claims: RoomTokenClaims) -> Grant | None:
        if claims.room_id != room.id:
            raise Forbidden(ErrorCode.FORBIDDEN, "this token does not grant access to this room")
        if (
            claims.incarnation != room.incarnation
            or claims.password_version != room.password_version
        ):
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
        return Grant(room.id, claims.user_id, claims.username, claims.role)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """The first policy that grants wins; with none, access is refused."""

    policies: tuple[AccessPolicy, ...]

    def grant(self, room: Room, claims: RoomTokenClaims) -> Grant | None:
        for policy in self.policies:
            granted = policy.grant(room, claims)
            if granted is not None:
                return granted
        return None


def require_access(policy: AccessPolicy, room: Room, claims: RoomTokenClaims) -> Grant:
    granted = policy.grant(room, claims)
    if granted is None:
        raise Forbidden(ErrorCode.FORBIDDEN, "access to this room is not granted")
    return granted


DEFAULT_POLICY: AccessPolicy = AnyOf((RoomTokenPolicy(),))
