"""Access policies: composable rules that decide whether a credential opens a room.

A credential is what the entrypoint already verified (a token's signature and expiry, a
password's hash); a policy decides what that credential is worth against the room as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model.accounts import RefreshFamily
from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Membership, Role, Standing
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
    # An admin token's version: rotating the admin token moves the room's on, and the old
    # token dies. An admin token does not depend on the join password (`password_version`).
    admin_version: int = 0
    # The sign-in (refresh family) it was minted from, if a user token asked for it: it
    # dies with that sign-in (logout, a replayed refresh token), like the sign-in's own.
    family_id: str | None = None
    # Whether its identity has no password behind it: a room guest's, or a guest
    # profile's; False for an account's (an account's id is never shown as a guest).
    guest: bool = True
    # When the session it continues began (seconds): the first token of a guest identity
    # starts it, and renewals carry it on (`sessions.renewed_expiry` caps them by it). 0 on
    # claims not yet issued: the token service starts the session at its issue time.
    session_start: int = 0


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
class AdminProof:
    """A room's admin password, verified against this incarnation of the room: it proves
    admin of that room (and nothing else) for one request."""

    room_id: str
    incarnation: str


# What may prove admin of a room: a token (whose grant must be an admin's), or the password.
Credential = Claims | AdminProof


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
    """The one rule on what a token's claims are worth (not expired; a room token's room,
    incarnation and password version; a sign-in's refresh family still live), else raises."""
    if token_expired(claims, now_ms):
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token has expired")
    # A user token, or a room token minted from a sign-in, lives as long as that sign-in.
    if family is not None and (
        family.revoked or family.family_id != claims.family_id or family.user_id != claims.user_id
    ):
        # Logged out, or a refresh token of this sign-in was replayed.
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
    if isinstance(claims, UserTokenClaims):
        # A user token names no room: what it opens is for the access policies to say.
        return
    if room is None:
        return
    if claims.room_id != room.id:
        raise Forbidden(ErrorCode.FORBIDDEN, "this token does not grant access to this room")
    if not room_token_current(claims, room.incarnation, room.password_version, room.admin_version):
        # The room was deleted and re-created, its password changed (a guest's token) or
        # its admin token rotated (an admin token): the token is dead.
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")


def room_token_current(
    claims: RoomTokenClaims, incarnation: str, password_version: int, admin_version: int
) -> bool:
    """Whether a room token is of the room as it is now: its incarnation and, for an admin
    token, its admin version, for a guest's token its password version."""
    if claims.incarnation != incarnation:
        return False
    if claims.role is Role.ADMIN:
        return claims.admin_version == admin_version
    return claims.password_version == password_version


def require_own_identity(claims: Claims, user_id: str | None) -> None:
    """Identity is the token's, never the payload's: a `user_id` a client put in a payload
    must be its token's own (absent is fine), else IDENTITY_MISMATCH and nothing is done."""
    if user_id is not None and user_id != claims.user_id:
        raise Forbidden(ErrorCode.IDENTITY_MISMATCH, "user_id is not the identity of this token")


def of_this_room(membership: Membership | None, room: Room, user_id: str) -> bool:
    """Whether `membership` is `user_id`'s in this room as it is now, in any standing (one of
    a room since re-created under the id, another incarnation, says nothing)."""
    return (
        membership is not None
        and membership.room_id == room.id
        and membership.user_id == user_id
        and membership.incarnation == room.incarnation
    )


def membership_holds(membership: Membership | None, room: Room, user_id: str) -> bool:
    """Whether `membership` makes `user_id` a member of this room as it is now: of this
    room (`of_this_room`) and in it (not kicked out, not banned)."""
    return (
        of_this_room(membership, room, user_id)
        and membership is not None
        and membership.standing is Standing.ACTIVE
    )


def check_standing(membership: Membership | None, room: Room, user_id: str, now_ms: int) -> None:
    """Refuse an identity the room's admins put out: banned (until unbanned), or kicked
    (until the kick ends). Comes before every grant, whatever the credential."""
    if membership is None or not of_this_room(membership, room, user_id):
        return
    if membership.standing is Standing.BANNED:
        raise Forbidden(ErrorCode.BANNED, "you are banned from this room")
    if membership.standing is Standing.KICKED and (membership.until_ms or 0) > now_ms:
        raise Forbidden(ErrorCode.KICKED, "you were removed from this room; try again later")


def check_address(barred: Standing | None) -> None:
    """Refuse a new credential (a guest token, a membership) from an address the room's
    admins barred (`AddressRepository.barred`): banned, or held by a kick still running."""
    if barred is Standing.BANNED:
        raise Forbidden(ErrorCode.BANNED, "this address is banned from this room")
    if barred is Standing.KICKED:
        raise Forbidden(
            ErrorCode.KICKED, "an identity was removed from this room from here; try again later"
        )


class AccessPolicy(Protocol):
    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        """A grant, or None when this policy has nothing to say; raises when it refuses.
        `membership` is the claims' identity's membership of the room, if any."""
        ...


class RoomTokenPolicy:
    """A room token opens the room it names, in its identity's role as it is now; its worth
    (`check_claims`) and its identity's standing (`check_standing`) are checked first."""

    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        if not isinstance(claims, RoomTokenClaims) or claims.room_id != room.id:
            return None
        # The membership's role now, not the token's: an admin token of someone since demoted
        # is a member's, a guest promoted is an admin; no membership, a plain member's.
        role = Role.MEMBER
        if membership is not None and membership_holds(membership, room, claims.user_id):
            role = membership.role
        # A room token's identity is a guest's (the guest creator's admin token included),
        # unless it was minted for an account, whose id is never shown as a guest's.
        return Grant(room.id, claims.user_id, claims.username, role, guest=claims.guest)


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
