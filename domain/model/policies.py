"""Access policies: composable rules that decide whether a credential opens a room.

A credential is what the entrypoint already verified (a token's signature and expiry, a
password's hash); a policy decides what that credential is worth against the room as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model.accounts import RefreshFamily
from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Membership, Role
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
class UserTokenClaims:
    """What a verified user access token says: which account, which refresh family."""

    user_id: str
    username: str
    family_id: str
    expires_at: int
    guest: bool = False  # a guest profile's token (no password behind it)


# Every kind of access token; a token of one kind never verifies as another.
Claims = RoomTokenClaims | UserTokenClaims


@dataclass(frozen=True, slots=True)
class Grant:
    """Access granted to one room for one identity."""

    room_id: str
    user_id: str
    username: str
    role: Role
    guest: bool = False  # shown beside the identity wherever it appears


def token_expired(claims: Claims, now_ms: int) -> bool:
    return claims.expires_at * 1000 <= now_ms


def check_claims(
    claims: Claims,
    now_ms: int,
    room: Room | None = None,
    *,
    family: RefreshFamily | None = None,
) -> None:
    """The one rule on what a token's claims are worth: not expired; for a room token
    against a room, that room, its incarnation and its password version; for a user token
    against its refresh family, that family, still live. Raises when they are not.

    Used by the token service (on every verification, cached or not), `authenticate`,
    `authenticate_user`, `open_room` and the socket expiry sweep (`token_expired`)."""
    if token_expired(claims, now_ms):
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token has expired")
    if isinstance(claims, UserTokenClaims):
        # A user token names no room: what it opens is for the access policies to say.
        if family is not None and (
            family.revoked
            or family.family_id != claims.family_id
            or family.user_id != claims.user_id
        ):
            # Logged out, or a refresh token of this sign-in was replayed.
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
        return
    if room is None:
        return
    if claims.room_id != room.id:
        raise Forbidden(ErrorCode.FORBIDDEN, "this token does not grant access to this room")
    if claims.incarnation != room.incarnation or claims.password_version != room.password_version:
        # The room was deleted and re-created, or its password changed: the token is dead.
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")


def require_own_identity(claims: Claims, user_id: str | None) -> None:
    """Identity is the token's, never the payload's: a `user_id` a client put in a payload
    must be its token's own (absent is fine), else IDENTITY_MISMATCH and nothing is done."""
    if user_id is not None and user_id != claims.user_id:
        raise Forbidden(ErrorCode.IDENTITY_MISMATCH, "user_id is not the identity of this token")


def membership_holds(membership: Membership | None, room: Room, user_id: str) -> bool:
    """Whether `membership` makes `user_id` a member of this room as it is now: this room,
    this user, this incarnation (one of a room since re-created under the id holds nothing)."""
    return (
        membership is not None
        and membership.room_id == room.id
        and membership.user_id == user_id
        and membership.incarnation == room.incarnation
    )


class AccessPolicy(Protocol):
    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        """A grant, or None when this policy has nothing to say; raises when it refuses.
        `membership` is the claims' user's membership of the room, loaded for a user token
        only (a room token is its own grant)."""
        ...


class RoomTokenPolicy:
    """A room token opens the room it names. Whether the token is still worth anything
    (expiry, incarnation, password version) is `check_claims`, which comes first."""

    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        if not isinstance(claims, RoomTokenClaims) or claims.room_id != room.id:
            return None
        # A room token's identity is a guest's, the creator's admin token included.
        return Grant(room.id, claims.user_id, claims.username, claims.role, guest=True)


class MembershipPolicy:
    """A user token opens the rooms its user joined, in the role of the membership, as
    long as the membership is of this incarnation of the room (`membership_holds`)."""

    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        if not isinstance(claims, UserTokenClaims) or membership is None:
            return None
        if not membership_holds(membership, room, claims.user_id):
            return None
        return Grant(room.id, claims.user_id, claims.username, membership.role, guest=claims.guest)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """The first policy that grants wins; with none, access is refused."""

    policies: tuple[AccessPolicy, ...]

    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        for policy in self.policies:
            granted = policy.grant(room, claims, membership)
            if granted is not None:
                return granted
        return None


def require_access(
    policy: AccessPolicy, room: Room, claims: Claims, membership: Membership | None = None
) -> Grant:
    granted = policy.grant(room, claims, membership)
    if granted is None:
        raise Forbidden(ErrorCode.FORBIDDEN, "access to this room is not granted")
    return granted


DEFAULT_POLICY: AccessPolicy = AnyOf((RoomTokenPolicy(), MembershipPolicy()))
