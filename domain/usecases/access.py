"""Authentication and the room-access check every room operation starts with."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.model.accounts import RefreshFamily
from domain.model.addresses import (
    MAX_PENDING,
    IpPolicy,
    RoomNetwork,
    check_network,
    parse_address,
    within,
)
from domain.model.errors import ErrorCode, Forbidden, NotFound, Unauthorized
from domain.model.members import Membership, Role
from domain.model.policies import (
    Claims,
    Grant,
    RoomTokenClaims,
    check_claims,
    check_standing,
    require_access,
)
from domain.model.rooms import Room, RoomId, worth_hashing
from domain.usecases.deps import Deps
from ports.unit_of_work import UnitOfWork


@dataclass(slots=True)
class LookupMemo:
    """Lookups memoized within one unit of work: a batch touching one room, one member or
    one sign-in reads each once."""

    rooms: dict[str, Room | None] = field(default_factory=dict)
    memberships: dict[tuple[str, str], Membership | None] = field(default_factory=dict)
    families: dict[str, RefreshFamily | None] = field(default_factory=dict)
    verified: dict[str, list[str]] = field(default_factory=dict)  # room id -> networks

    def prefetch(self, uow: UnitOfWork, keys: list[tuple[str, str]]) -> None:
        """Read the rooms and memberships of these (room id, user id) pairs at once, one
        statement each, for a batch that will look them up one by one."""
        room_ids = sorted({room_id for room_id, _ in keys} - self.rooms.keys())
        if room_ids:
            rooms = uow.rooms.get_many(room_ids)
            self.rooms.update({room_id: rooms.get(room_id) for room_id in room_ids})
        pairs = sorted(set(keys) - self.memberships.keys())
        if pairs:
            held = uow.memberships.get_many(pairs)
            self.memberships.update({pair: held.get(pair) for pair in pairs})

    def room(self, uow: UnitOfWork, room_id: str) -> Room | None:
        if room_id not in self.rooms:
            self.rooms[room_id] = uow.rooms.get(room_id)
        return self.rooms[room_id]

    def membership(self, uow: UnitOfWork, room_id: str, user_id: str) -> Membership | None:
        key = (room_id, user_id)
        if key not in self.memberships:
            self.memberships[key] = uow.memberships.get(room_id, user_id)
        return self.memberships[key]

    def verified_networks(self, uow: UnitOfWork, room_id: str) -> list[str]:
        if room_id not in self.verified:
            entries = uow.networks.of_room(room_id)
            self.verified[room_id] = [e.network for e in entries if e.verified]
        return self.verified[room_id]

    def family(self, uow: UnitOfWork, family_id: str) -> RefreshFamily | None:
        if family_id not in self.families:
            self.families[family_id] = uow.refresh_tokens.family(family_id)
        return self.families[family_id]


def verify_token(deps: Deps, token: str | None) -> Claims:
    """The claims of a token of either kind, checked by the token service alone, without I/O;
    whether its sign-in is still live is for `check_signed_in` or `open_room` to say."""
    # Signature, kind and expiry (`check_claims`) are the port's contract: not repeated here.
    if not token:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "a bearer token is required")
    return deps.tokens.verify_token(token)


def check_signed_in(deps: Deps, claims: Claims) -> None:
    """`authenticate`'s second half, in a unit of work of its own: the sign-in of a user
    token (or of a room token minted from one) still live. Other room tokens have none."""
    if claims.family_id is not None:
        with deps.uow() as uow:
            check_live(deps, uow, claims)


def authenticate(deps: Deps, token: str | None) -> Claims:
    """The claims of a valid token of either kind; Unauthorized for a missing, expired,
    forged one, or a user token whose sign-in was revoked (logout, refresh replay)."""
    claims = verify_token(deps, token)
    check_signed_in(deps, claims)
    return claims


def check_live(
    deps: Deps, uow: UnitOfWork, claims: Claims, known: LookupMemo | None = None
) -> None:
    """A user token's refresh family still live (`check_claims` decides), read in `uow`; so
    is that of a room token minted from a sign-in. Other room tokens have none to check."""
    if claims.family_id is None:
        return
    family = (known if known is not None else LookupMemo()).family(uow, claims.family_id)
    if family is None:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
    check_claims(claims, deps.clock.now_ms(), family=family)


def open_room(
    deps: Deps,
    uow: UnitOfWork,
    claims: Claims,
    room_id: str,
    known: LookupMemo | None = None,
    client: str = "",
) -> tuple[Room, Grant]:
    """Load the room and check `claims` (and, under `require`, the `client` address) against
    it in the caller's unit of work; `deps.policy` decides the grant. `known` memoizes lookups."""
    # Checked: a room token's room; a user token's live sign-in and membership of this
    # incarnation; either's standing (kicked, banned). The address comes after the grant, so
    # only those the room grants learn of its policy.
    rid = RoomId(room_id).value
    known = known if known is not None else LookupMemo()
    if isinstance(claims, RoomTokenClaims):
        if claims.room_id != rid:  # before any lookup: a token for room A learns nothing of B
            raise Forbidden(ErrorCode.FORBIDDEN, "this token does not grant access to this room")
        room = known.room(uow, rid)
        if room is None:
            # The room this token was bought for is gone: the token is dead, not misdirected.
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "this token has been revoked")
        now = deps.clock.now_ms()
        check_claims(claims, now, room)
        check_live(deps, uow, claims, known)  # one minted from a sign-in dies with it
        # Its role, and whether it was put out, are the membership's, as they are now.
        membership = known.membership(uow, rid, claims.user_id)
        check_standing(membership, room, claims.user_id, now)
        grant = require_access(deps.policy, room, claims, membership)
        check_client(uow, room, client, known, grant.user_id)
        return room, grant
    # Every use re-checks the sign-in, so a socket stops sending the moment it is revoked.
    check_live(deps, uow, claims, known)
    room = known.room(uow, rid)
    if room is None:
        # Not a member of any room of that id: the same answer as for a room not joined.
        raise Forbidden(ErrorCode.FORBIDDEN, "access to this room is not granted")
    membership = known.membership(uow, rid, claims.user_id)
    check_standing(membership, room, claims.user_id, deps.clock.now_ms())
    grant = require_access(deps.policy, room, claims, membership)
    check_client(uow, room, client, known, grant.user_id)
    return room, grant


def check_client(
    uow: UnitOfWork, room: Room, client: str, known: LookupMemo | None = None, user_id: str = ""
) -> None:
    """Under the `require` IP policy, the client's address must be in a verified network of
    the room (IP_NOT_VERIFIED); the owner (`user_id`) is let in from anywhere."""
    # The owner is never shut out, so it can always fix the policy (no co-admin can lock it
    # out); under any other policy addresses play no part here.
    if room.settings.ip_policy is not IpPolicy.REQUIRE or (user_id and user_id == room.owner):
        return
    networks = (known if known is not None else LookupMemo()).verified_networks(uow, room.id)
    if not within(client, networks):
        raise Forbidden(ErrorCode.IP_NOT_VERIFIED, "this address is not verified for this room")


def refuse_unverified(deps: Deps, room: Room, client: str) -> None:
    """After a right password under `require`: an address not verified is refused
    (IP_NOT_VERIFIED) and shown to the admins as pending (at most MAX_PENDING per room)."""
    # A password never verifies an address by itself.
    if room.settings.ip_policy is not IpPolicy.REQUIRE:
        return
    with deps.uow(write=True) as uow:
        current = reload_room(uow, room)
        if current.settings.ip_policy is not IpPolicy.REQUIRE:
            return  # switched meanwhile
        entries = uow.networks.of_room(room.id)
        if within(client, [e.network for e in entries if e.verified]):
            return
        address = parse_address(client)
        pending = [e for e in entries if not e.verified]
        if address is not None and len(pending) < MAX_PENDING:
            network = check_network(str(address))
            if all(e.network != network for e in entries):
                uow.networks.put(RoomNetwork(room.id, network, False, deps.clock.now_ms()))
                uow.commit()
    raise Forbidden(ErrorCode.IP_NOT_VERIFIED, "this address is not verified for this room")


def issue_room_token(
    deps: Deps,
    room: Room,
    user_id: str,
    username: str,
    role: Role,
    ttl_s: int,
    now_ms: int,
    *,
    family_id: str | None = None,
    guest: bool = True,
) -> str:
    """A token for one identity in this room incarnation and password version; it dies with
    the sign-in `family_id`, if any; `guest`: no password behind it (False for an account)."""
    return deps.tokens.issue_room_token(
        RoomTokenClaims(
            user_id=user_id,
            username=username,
            room_id=room.id,
            incarnation=room.incarnation,
            password_version=room.password_version,
            role=role,
            expires_at=now_ms // 1000 + ttl_s,
            admin_version=room.admin_version if role is Role.ADMIN else 0,
            family_id=family_id,
            guest=guest,
        )
    )


def check_room_password(deps: Deps, room: Room, password: str) -> None:
    """The room's password, or BAD_PASSWORD. Call it outside any transaction: argon2 is slow
    on purpose."""
    # Guesses no password could equal are refused without hashing (no CPU amplification).
    if not worth_hashing(password) or not deps.hasher.verify(room.password_hash, password):
        raise Unauthorized(ErrorCode.BAD_PASSWORD, "wrong room password")


def reload_room(uow: UnitOfWork, room: Room) -> Room:
    """The room again, in a new unit of work, after slow work outside one (a hash): the same
    incarnation, or ROOM_NOT_FOUND (deleted, or deleted and re-created, meanwhile)."""
    current = uow.rooms.get(room.id)
    if current is None or current.incarnation != room.incarnation:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    return current
