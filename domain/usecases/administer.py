"""Room administration: what a room's admins may do to it, and what a sender may undo.

Admin is proven by the credential alone: the room's admin token (a room token of role admin,
of this incarnation and admin version), a user token whose user is an admin member of
this incarnation, or the room's admin password (`prove_admin_password`). The join password
never makes an admin.

The room's owner (`Room.owner`: its creator, or whom it handed the room to) is an admin no
co-admin can demote, kick, ban or shut out with `require`; what only the owner may do is in
ownership.py. The admin password stands for the owner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from domain.model.addresses import IpPolicy, RoomNetwork, check_ip_policy, check_network, within
from domain.model.errors import ErrorCode, Forbidden, InvalidInput, NotFound, Unauthorized
from domain.model.events import (
    AddressesNarrowed,
    HistoryCleared,
    MemberRemoved,
    MessageDeleted,
    RoleChanged,
    RoomDeleted,
    RoomTokensRevoked,
)
from domain.model.members import Membership, Role, Standing
from domain.model.messages import is_message_id
from domain.model.policies import AdminProof, Claims, Credential, Grant, of_this_room
from domain.model.rooms import (
    Room,
    RoomId,
    RoomSettings,
    check_message_limit,
    check_new_password,
    worth_hashing,
)
from domain.usecases.access import open_room, reload_room
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


def prove_admin_password(deps: Deps, room_id: str, password: str) -> AdminProof:
    """The room's admin password, checked outside any transaction (argon2 is slow on
    purpose): a proof of admin for this incarnation of the room, or BAD_PASSWORD. A room
    without an admin password refuses every one alike (nothing is hashed then: whether a
    room has one is not a secret worth a hash)."""
    rid = RoomId(room_id).value
    with deps.uow() as uow:
        room = uow.rooms.get(rid)
    if room is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
    if room.admin_password_hash is None or not _matches(deps, room.admin_password_hash, password):
        raise Unauthorized(ErrorCode.BAD_PASSWORD, "wrong admin password")
    return AdminProof(room.id, room.incarnation)


def _matches(deps: Deps, password_hash: str, password: str) -> bool:
    """Guesses no password could equal are refused without hashing."""
    return worth_hashing(password) and deps.hasher.verify(password_hash, password)


def open_as_admin(
    deps: Deps, uow: UnitOfWork, credential: Credential, room_id: str, client: str = ""
) -> tuple[Room, Grant]:
    """The room and an admin's grant of it: from a token (`open_room`, then the grant must
    be an admin's: ADMIN_REQUIRED otherwise), or from a verified admin password, which
    stands for the room's owner (so, like the owner's token, works from any address)."""
    if isinstance(credential, AdminProof):
        rid = RoomId(room_id).value
        if credential.room_id != rid:
            raise Forbidden(ErrorCode.FORBIDDEN, "this password does not grant this room")
        proved = uow.rooms.get(rid)
        if proved is None or proved.incarnation != credential.incarnation:
            raise NotFound(ErrorCode.ROOM_NOT_FOUND, "no such room")
        username, guest = identity_of(uow, proved.owner)
        return proved, Grant(proved.id, proved.owner, username, Role.ADMIN, guest=guest)
    room, grant = open_room(deps, uow, credential, room_id, client=client)
    if grant.role is not Role.ADMIN:
        raise Forbidden(ErrorCode.ADMIN_REQUIRED, "this takes an admin of the room")
    return room, grant


def delete_room(deps: Deps, claims: Credential, room_id: str, client: str = "") -> Outcome[str]:
    """Delete the room with every message and membership. Its tokens die with its
    incarnation: a room later created under the same id is another room."""
    with deps.uow(write=True) as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id, client)
        uow.rooms.delete(room.id, room.incarnation)
        uow.record(RoomDeleted(room.id, room.incarnation))
        uow.commit()
        events = uow.collect_events()
    return Outcome(room.id, events)


def clear_history(deps: Deps, claims: Credential, room_id: str, client: str = "") -> Outcome[int]:
    """Delete every message of the room; the number deleted."""
    with deps.uow(write=True) as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id, client)
        count = uow.messages.count(room.id)
        uow.messages.clear(room.id)
        uow.record(HistoryCleared(room.id, count))
        uow.commit()
        events = uow.collect_events()
    return Outcome(count, events)


def delete_message(
    deps: Deps, claims: Claims, room_id: str, message_id: str, client: str = ""
) -> Outcome[str]:
    """Delete one message: its sender may, and the room's admins."""
    with deps.uow(write=True) as uow:
        room, grant = open_room(deps, uow, claims, room_id, client=client)
        if not is_message_id(message_id):
            raise InvalidInput(ErrorCode.INVALID_MESSAGE_ID, "not a message id")
        message = uow.messages.get(room.id, message_id)
        if message is None:
            raise NotFound(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this room")
        if message.user_id != grant.user_id and grant.role is not Role.ADMIN:
            raise Forbidden(ErrorCode.FORBIDDEN, "only its sender or an admin may delete it")
        uow.messages.delete(room.id, message_id)
        uow.record(MessageDeleted(room.id, message_id))
        uow.commit()
        events = uow.collect_events()
    return Outcome(message_id, events)


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    username: str
    role: Role
    joined_at_ms: int
    standing: Standing = Standing.ACTIVE
    until_ms: int | None = None
    guest: bool = True  # no password behind the identity (a room guest, a guest profile)


@dataclass(frozen=True, slots=True)
class RoomOverview:
    """What the admin dashboard shows of a room."""

    room_id: str
    created_by: str
    owner: str
    created_at_ms: int
    settings: RoomSettings
    members: list[Member]
    message_count: int
    verified: list[str]
    pending: list[str]


def room_overview(
    deps: Deps, claims: Credential, room_id: str, client: str = ""
) -> Outcome[RoomOverview]:
    with deps.uow() as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id, client)
        members = [
            Member(m.user_id, *_named(uow, m), guest=identity_of(uow, m.user_id)[1])
            for m in uow.memberships.in_room(room.id)
            if of_this_room(m, room, m.user_id)
        ]
        count = uow.messages.count(room.id)
        entries = uow.networks.of_room(room.id)
    overview = RoomOverview(
        room.id,
        room.created_by,
        room.owner,
        room.created_at_ms,
        room.settings,
        members,
        count,
        [e.network for e in entries if e.verified],
        [e.network for e in entries if not e.verified],
    )
    return Outcome(overview)


def _named(uow: UnitOfWork, m: Membership) -> tuple[str, Role, int, Standing, int | None]:
    return identity_of(uow, m.user_id)[0], m.role, m.created_at_ms, m.standing, m.until_ms


def identity_of(uow: UnitOfWork, user_id: str) -> tuple[str, bool]:
    """An identity's name, and whether it is a guest's (no password behind it: a room
    guest, or a guest profile); an account's id is never shown as a guest's."""
    user = uow.users.get(user_id)
    if user is not None:
        return user.username, user.guest
    profile = uow.profiles.get(user_id)
    return (profile.username if profile is not None else user_id), True


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What a PATCH asks to change; None leaves a field as it is (`message_limit` is
    cleared with `clear_message_limit`)."""

    message_limit: int | None = None
    clear_message_limit: bool = False
    password: str | None = None
    ip_policy: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    settings: RoomSettings
    password_changed: bool


def update_settings(
    deps: Deps, claims: Credential, room_id: str, change: SettingsChange, client: str = ""
) -> Outcome[SettingsChanged]:
    """Change a room's settings. A new join password revokes every guest room token issued
    before it (admin tokens and members stay: they never depended on the password)."""
    limit = check_message_limit(change.message_limit)
    policy = check_ip_policy(change.ip_policy) if change.ip_policy is not None else None
    if change.password is not None:
        check_new_password(change.password)
    with deps.uow() as uow:  # refuse a non-admin before any hashing
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
    # Outside any transaction: argon2 is slow on purpose.
    admin_hash = room.admin_password_hash
    if (
        change.password is not None
        and admin_hash
        and deps.hasher.verify(admin_hash, change.password)
    ):
        raise InvalidInput(
            ErrorCode.INVALID_PASSWORD, "the join password must differ from the admin password"
        )
    password_hash = deps.hasher.hash(change.password) if change.password is not None else None
    with deps.uow(write=True) as uow:
        current = reload_room(uow, room)
        open_as_admin(deps, uow, claims, room_id, client)  # still an admin after the hash
        if change.clear_message_limit:
            current.settings = replace(current.settings, message_limit=None)
        elif limit is not None:
            current.settings = replace(current.settings, message_limit=limit)
        if password_hash is not None:
            current.password_hash = password_hash
            current.password_version += 1
            uow.record(revoked(current))
        if policy is not None and policy is not current.settings.ip_policy:
            if policy is IpPolicy.REQUIRE:
                networks = _verified(uow, current)
                _keep_yourself_in(current, grant, networks, client)
                uow.record(AddressesNarrowed(current.id, tuple(networks), current.owner))
            current.settings = replace(current.settings, ip_policy=policy)
        uow.rooms.update(current)
        uow.commit()
        events = uow.collect_events()
    return Outcome(SettingsChanged(current.settings, password_hash is not None), events)


def revoked(room: Room) -> RoomTokensRevoked:
    return RoomTokensRevoked(room.id, room.incarnation, room.password_version, room.admin_version)


# -- roles: promote, demote, kick, ban, unban -----------------------------------------------


class Action(StrEnum):
    PROMOTE = "promote"
    DEMOTE = "demote"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"


@dataclass(frozen=True, slots=True)
class MemberStanding:
    """Where the target stands after an action; `membership` None: it holds none (unbanned,
    it may join again the way anyone does)."""

    room_id: str
    user_id: str
    membership: Membership | None


def act_on_member(
    deps: Deps, claims: Credential, room_id: str, user_id: str, action: Action, client: str = ""
) -> Outcome[MemberStanding]:
    """An admin's action on one identity of the room:

    - promote / demote: an active member's role (admin / member);
    - kick: out of the room for `config.kick_s`, then it may come back the way it came (a
      guest's token works again while it lives; a user needs the password again);
    - ban: out until unbanned, and so are the client addresses it used in the room (a user
      who never joined may be banned ahead);
    - unban: the ban and the address bans it made are lifted, and the membership gone.

    The room's owner is never demoted, kicked or banned (`owner_protected`)."""
    target = member_id(user_id)
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        held = uow.memberships.get(room.id, target)
        current = held if of_this_room(held, room, target) else None
        if target == room.owner and action is not Action.PROMOTE:
            raise Forbidden(ErrorCode.OWNER_PROTECTED, "the room's owner stays its admin")
        after = _apply(deps, uow, room, current, target, action, now)
        uow.commit()
        events = uow.collect_events()
    return Outcome(MemberStanding(room.id, target, after), events)


def _apply(
    deps: Deps,
    uow: UnitOfWork,
    room: Room,
    current: Membership | None,
    target: str,
    action: Action,
    now: int,
) -> Membership | None:
    active = current is not None and current.standing is Standing.ACTIVE
    if action in (Action.PROMOTE, Action.DEMOTE, Action.KICK) and not active:
        raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "no such member in this room")
    if action is Action.UNBAN:
        if current is None or current.standing is not Standing.BANNED:
            raise NotFound(ErrorCode.MEMBER_NOT_FOUND, "no such banned identity in this room")
        uow.memberships.delete(room.id, target)
        uow.addresses.unban_member(room.id, target)
        return None
    if action is Action.BAN:
        for address in uow.addresses.of_member(room.id, target):
            uow.addresses.ban(room.id, address, target, now)
        base = current or Membership(room.id, target, Role.MEMBER, now, room.incarnation)
        after = replace(base, role=Role.MEMBER, standing=Standing.BANNED, until_ms=None)
        uow.record(MemberRemoved(room.id, target, Standing.BANNED))
    elif action is Action.KICK:
        assert current is not None
        until = now + deps.config.kick_s * 1000
        # Its addresses are held as long (a guest would otherwise buy a new identity
        # from the same place at once); a ban of one of them stays a ban.
        for address in uow.addresses.of_member(room.id, target):
            uow.addresses.ban(room.id, address, target, now, until)
        after = replace(current, role=Role.MEMBER, standing=Standing.KICKED, until_ms=until)
        uow.record(MemberRemoved(room.id, target, Standing.KICKED))
    else:
        assert current is not None
        role = Role.ADMIN if action is Action.PROMOTE else Role.MEMBER
        after = replace(current, role=role)
        if role is not current.role:
            uow.record(RoleChanged(room.id, target, role))
    uow.memberships.put(after)
    return after


def member_id(user_id: str) -> str:
    """A user id as the server mints them (the room-id alphabet): anything else names no one."""
    try:
        return RoomId(user_id).value
    except InvalidInput:
        raise InvalidInput(ErrorCode.INVALID_USER_ID, "not a user id") from None


# -- IP verification ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Networks:
    """A room's IP policy, its verified networks and the addresses awaiting a look."""

    room_id: str
    ip_policy: IpPolicy
    verified: list[str]
    pending: list[str]


def verify_ip(
    deps: Deps, claims: Credential, room_id: str, ip: str, client: str = ""
) -> Outcome[Networks]:
    """Add an address or range (no wider than a /16 or /48) to the room's verified list;
    the pending addresses inside it are verified with it."""
    network = check_network(ip)
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        room, _ = open_as_admin(deps, uow, claims, room_id, client)
        for entry in uow.networks.of_room(room.id):
            if not entry.verified and within(entry.network.partition("/")[0], [network]):
                uow.networks.delete(room.id, entry.network)
        uow.networks.put(RoomNetwork(room.id, network, True, now))
        uow.commit()
    return Outcome(_networks(deps, room))


def revoke_ip(
    deps: Deps, claims: Credential, room_id: str, ip: str, client: str = ""
) -> Outcome[Networks]:
    """Remove an address or range from the room's verified list (or from the pending ones).
    Under `require`, its sockets from addresses no longer verified leave the room; an admin
    may not revoke the network of its own address then (it would lock itself out)."""
    network = check_network(ip)
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        entries = {e.network: e for e in uow.networks.of_room(room.id)}
        if network not in entries:
            raise NotFound(ErrorCode.NETWORK_NOT_FOUND, "this network is not on the room's list")
        uow.networks.delete(room.id, network)
        if room.settings.ip_policy is IpPolicy.REQUIRE and entries[network].verified:
            left = [n for n, e in entries.items() if e.verified and n != network]
            _keep_yourself_in(room, grant, left, client)
            uow.record(AddressesNarrowed(room.id, tuple(left), room.owner))
        uow.commit()
        events = uow.collect_events()
    return Outcome(_networks(deps, room), events)


def _verified(uow: UnitOfWork, room: Room) -> list[str]:
    return [e.network for e in uow.networks.of_room(room.id) if e.verified]


def _keep_yourself_in(room: Room, grant: Grant, networks: list[str], client: str) -> None:
    """A co-admin may not narrow `require`'s list so that its own address is out; the
    owner may (it is never shut out)."""
    if grant.user_id != room.owner and not within(client, networks):
        raise Forbidden(
            ErrorCode.IP_NOT_VERIFIED,
            "your own address would not be verified: verify it first, or you lock yourself out",
        )


def _networks(deps: Deps, room: Room) -> Networks:
    with deps.uow() as uow:
        current = uow.rooms.get(room.id)
        entries = uow.networks.of_room(room.id)
    policy = current.settings.ip_policy if current is not None else room.settings.ip_policy
    return Networks(
        room.id,
        policy,
        [e.network for e in entries if e.verified],
        [e.network for e in entries if not e.verified],
    )
