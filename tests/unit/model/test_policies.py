"""Access policies: what a verified credential is worth against a room as it is now."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.model.errors import ErrorCode, Forbidden, Unauthorized
from domain.model.members import Role
from domain.model.policies import (
    DEFAULT_POLICY,
    AnyOf,
    Grant,
    RoomTokenClaims,
    RoomTokenPolicy,
    check_claims,
    require_access,
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


class Abstains:
    def __init__(self) -> None:
        self.calls = 0

    def grant(self, room: Room, claims: RoomTokenClaims) -> Grant | None:
        self.calls += 1
        return None


class GrantsAdmin:
    def grant(self, room: Room, claims: RoomTokenClaims) -> Grant | None:
        return Grant(room.id, claims.user_id, claims.username, Role.ADMIN)


def test_room_token_grants_its_own_room() -> None:
    assert RoomTokenPolicy().grant(ROOM, CLAIMS) == Grant("lobby", "g_user", "user", Role.MEMBER)


def test_room_token_keeps_the_admin_role() -> None:
    claims = replace(CLAIMS, role=Role.ADMIN)
    assert RoomTokenPolicy().grant(ROOM, claims) == Grant("lobby", "g_user", "user", Role.ADMIN)


def test_room_token_abstains_on_another_room() -> None:
    assert RoomTokenPolicy().grant(ROOM, replace(CLAIMS, room_id="other")) is None


NOW_MS = 10**12


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
    assert policy.grant(ROOM, CLAIMS) == Grant("lobby", "g_user", "user", Role.ADMIN)
    assert first.calls == 1


def test_any_of_with_only_abstainers_grants_nothing() -> None:
    assert AnyOf((Abstains(), Abstains())).grant(ROOM, CLAIMS) is None


class Refuses:
    def grant(self, room: Room, claims: RoomTokenClaims) -> Grant | None:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "no")


def test_any_of_propagates_a_refusal() -> None:
    later = Abstains()
    with pytest.raises(Unauthorized):
        AnyOf((Refuses(), later)).grant(ROOM, CLAIMS)
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


def test_default_policy_is_room_tokens_only() -> None:
    with pytest.raises(Forbidden):
        require_access(DEFAULT_POLICY, ROOM, replace(CLAIMS, room_id="elsewhere"))
