"""Access policies: what a verified credential is worth against a room as it is now."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Membership, Role, Standing
from domain.model.policies import (
    DEFAULT_POLICY,
    AnyOf,
    Claims,
    Grant,
    MembershipPolicy,
    RoomTokenClaims,
    RoomTokenPolicy,
    UserTokenClaims,
    check_claims,
    check_standing,
    membership_holds,
    require_access,
    require_own_identity,
    token_expired,
)
from domain.model.rooms import Room

ROOM = Room(
    id="lobby",
    incarnation="inc-1",
    password_hash="hash",
    created_by="g_admin",
    created_at_ms=1,
    password_version=2,
)
CLAIMS = RoomTokenClaims(
    user_id="g_user",
    username="user",
    room_id="lobby",
    incarnation="inc-1",
    password_version=2,
    role=Role.MEMBER,
    expires_at=10**10,
)


NOW_MS = 10**12


class Abstains:
    def __init__(self) -> None:
        self.calls = 0

    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        self.calls += 1
        return None


class GrantsAdmin:
    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        return Grant(room.id, claims.user_id, claims.username, Role.ADMIN)


def test_room_token_grants_its_own_room_to_a_guest() -> None:
    assert RoomTokenPolicy().grant(ROOM, CLAIMS, None) == Grant(
        "lobby", "g_user", "user", Role.MEMBER, guest=True
    )


def _held(role: Role, **changes: object) -> Membership:
    return replace(Membership("lobby", "g_user", role, 1, "inc-1"), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("token_role", "membership", "granted"),
    [
        (Role.ADMIN, _held(Role.ADMIN), Role.ADMIN),  # the creator's admin token
        (Role.ADMIN, _held(Role.MEMBER), Role.MEMBER),  # its holder since demoted
        (Role.ADMIN, None, Role.MEMBER),  # no membership: never an admin
        (Role.MEMBER, _held(Role.ADMIN), Role.ADMIN),  # a guest promoted
        (Role.ADMIN, _held(Role.ADMIN, incarnation="old"), Role.MEMBER),  # another room's
        # A kick that has ended: back as a plain member, whatever it was.
        (Role.ADMIN, _held(Role.MEMBER, standing=Standing.KICKED, until_ms=1), Role.MEMBER),
    ],
)
def test_a_room_tokens_role_is_its_membership_as_it_is_now(
    token_role: Role, membership: Membership | None, granted: Role
) -> None:
    claims = replace(CLAIMS, role=token_role)
    assert RoomTokenPolicy().grant(ROOM, claims, membership) == Grant(
        "lobby", "g_user", "user", granted, guest=True
    )


def test_standing_refuses_the_banned_and_the_kicked_until_the_kick_ends() -> None:
    banned = _held(Role.MEMBER, standing=Standing.BANNED)
    with pytest.raises(Forbidden) as caught:
        check_standing(banned, ROOM, "g_user", NOW_MS)
    assert caught.value.code is ErrorCode.BANNED
    kicked = _held(Role.MEMBER, standing=Standing.KICKED, until_ms=NOW_MS + 1)
    with pytest.raises(Forbidden) as caught:
        check_standing(kicked, ROOM, "g_user", NOW_MS)
    assert caught.value.code is ErrorCode.KICKED
    check_standing(kicked, ROOM, "g_user", NOW_MS + 1)  # the kick has ended
    check_standing(_held(Role.MEMBER), ROOM, "g_user", NOW_MS)
    check_standing(None, ROOM, "g_user", NOW_MS)
    # A ban in an earlier incarnation of the room, or of someone else, says nothing.
    check_standing(replace(banned, incarnation="old"), ROOM, "g_user", NOW_MS)
    check_standing(banned, ROOM, "g_other", NOW_MS)
    assert not membership_holds(banned, ROOM, "g_user")
    assert not membership_holds(kicked, ROOM, "g_user")


def test_room_token_abstains_on_another_room() -> None:
    assert RoomTokenPolicy().grant(ROOM, replace(CLAIMS, room_id="other"), None) is None


def test_valid_claims_pass_with_and_without_a_room() -> None:
    check_claims(CLAIMS, NOW_MS)
    check_claims(CLAIMS, NOW_MS, ROOM)


def test_expired_claims_are_unauthorized_at_the_second_they_expire() -> None:
    claims = replace(CLAIMS, expires_at=NOW_MS // 1000)
    assert token_expired(claims, NOW_MS) and not token_expired(claims, NOW_MS - 1)
    with pytest.raises(Unauthorized) as caught:
        check_claims(claims, NOW_MS)
    assert caught.value.message == "the token has expired"


def test_claims_for_another_room_are_forbidden() -> None:
    with pytest.raises(Forbidden) as caught:
        check_claims(replace(CLAIMS, room_id="other"), NOW_MS, ROOM)
    assert caught.value.code is ErrorCode.FORBIDDEN


def test_claims_of_an_old_incarnation_are_unauthorized() -> None:
    with pytest.raises(Unauthorized) as caught:
        check_claims(replace(CLAIMS, incarnation="inc-0"), NOW_MS, ROOM)
    assert caught.value.code is ErrorCode.UNAUTHORIZED


@pytest.mark.parametrize("version", [1, 3])
def test_claims_of_another_password_version_are_unauthorized(version: int) -> None:
    with pytest.raises(Unauthorized) as caught:
        check_claims(replace(CLAIMS, password_version=version), NOW_MS, ROOM)
    assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_another_room_is_checked_before_revocation() -> None:
    # A token for another room is misdirected (403), whatever its incarnation.
    with pytest.raises(Forbidden):
        check_claims(replace(CLAIMS, room_id="other", incarnation="x"), NOW_MS, ROOM)


def test_any_of_returns_the_first_grant() -> None:
    first, admin = Abstains(), GrantsAdmin()
    policy = AnyOf((first, admin, RoomTokenPolicy()))
    assert policy.grant(ROOM, CLAIMS, None) == Grant("lobby", "g_user", "user", Role.ADMIN)
    assert first.calls == 1


def test_any_of_with_only_abstainers_grants_nothing() -> None:
    assert AnyOf((Abstains(), Abstains())).grant(ROOM, CLAIMS, None) is None


class Refuses:
    def grant(self, room: Room, claims: Claims, membership: Membership | None) -> Grant | None:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "no")


def test_any_of_propagates_a_refusal() -> None:
    later = Abstains()
    with pytest.raises(Unauthorized):
        AnyOf((Refuses(), later)).grant(ROOM, CLAIMS, None)
    assert later.calls == 0


def test_require_access_with_empty_any_of_is_forbidden() -> None:
    with pytest.raises(Forbidden) as caught:
        require_access(AnyOf(()), ROOM, CLAIMS)
    assert caught.value.code is ErrorCode.FORBIDDEN


def test_require_access_when_every_policy_abstains_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        require_access(AnyOf((Abstains(),)), ROOM, CLAIMS)


def test_require_access_returns_the_grant() -> None:
    assert require_access(DEFAULT_POLICY, ROOM, CLAIMS).user_id == "g_user"


def test_default_policy_refuses_a_room_token_of_another_room() -> None:
    with pytest.raises(Forbidden):
        require_access(DEFAULT_POLICY, ROOM, replace(CLAIMS, room_id="elsewhere"))


USER = UserTokenClaims(user_id="u_1", username="alice", family_id="fam", expires_at=10**10)
MEMBER = Membership("lobby", "u_1", Role.MEMBER, 1, "inc-1")


def test_membership_grants_a_user_token_its_room_in_the_membership_role() -> None:
    assert MembershipPolicy().grant(ROOM, USER, MEMBER) == Grant(
        "lobby", "u_1", "alice", Role.MEMBER
    )
    admin = replace(MEMBER, role=Role.ADMIN)
    assert require_access(DEFAULT_POLICY, ROOM, USER, admin).role is Role.ADMIN


def test_a_guest_profiles_user_token_is_granted_as_a_guest_an_accounts_is_not() -> None:
    account = MembershipPolicy().grant(ROOM, USER, MEMBER)
    assert account is not None and account.guest is False
    guest = replace(USER, guest=True)
    assert MembershipPolicy().grant(ROOM, guest, MEMBER) == Grant(
        "lobby", "u_1", "alice", Role.MEMBER, guest=True
    )


def test_a_payloads_user_id_must_be_the_tokens_own() -> None:
    require_own_identity(USER, None)  # absent: nothing to compare
    require_own_identity(USER, "u_1")
    require_own_identity(CLAIMS, "g_user")
    for claims, other in ((USER, "u_2"), (USER, ""), (CLAIMS, "u_1"), (USER, "U_1")):
        with pytest.raises(Forbidden) as refused:
            require_own_identity(claims, other)
        assert refused.value.code is ErrorCode.IDENTITY_MISMATCH


def test_a_user_token_without_membership_is_forbidden() -> None:
    assert MembershipPolicy().grant(ROOM, USER, None) is None
    with pytest.raises(Forbidden):
        require_access(DEFAULT_POLICY, ROOM, USER)


def test_a_membership_of_an_earlier_incarnation_grants_nothing() -> None:
    # The room was deleted and re-created under the same id: another room.
    old = replace(MEMBER, incarnation="inc-0")
    assert not membership_holds(old, ROOM, "u_1")
    assert MembershipPolicy().grant(ROOM, USER, old) is None
    with pytest.raises(Forbidden):
        require_access(DEFAULT_POLICY, ROOM, USER, old)


@pytest.mark.parametrize(
    "membership",
    [replace(MEMBER, user_id="u_2"), replace(MEMBER, room_id="other")],
    ids=["another user", "another room"],
)
def test_a_membership_of_someone_or_somewhere_else_grants_nothing(membership: Membership) -> None:
    assert MembershipPolicy().grant(ROOM, USER, membership) is None


def test_a_room_token_never_passes_through_the_membership_policy() -> None:
    # The membership policy speaks for user tokens only; a room token's grant is its own
    # policy's (which takes its role from the membership).
    guest = Membership("lobby", "g_user", Role.ADMIN, 1, "inc-1")
    assert MembershipPolicy().grant(ROOM, CLAIMS, guest) is None
    assert require_access(DEFAULT_POLICY, ROOM, CLAIMS, guest) == RoomTokenPolicy().grant(
        ROOM, CLAIMS, guest
    )


def test_a_user_token_never_passes_as_a_room_token() -> None:
    assert RoomTokenPolicy().grant(ROOM, USER, MEMBER) is None
