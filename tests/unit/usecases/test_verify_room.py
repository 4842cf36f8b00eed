"""domain/usecases/verify_room.py: the room password buys a member token.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

import pytest

from domain.model.errors import ErrorCode, InvalidInput, NotFound, Unauthorized
from domain.model.members import Role
from domain.model.policies import RoomTokenClaims
from domain.model.rooms import PASSWORD_MAX_CHARS
from domain.usecases.create_room import create_room
from domain.usecases.verify_room import verify_room_password
from tests.support import PASSWORD, World


def test_good_password_buys_a_member_token(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    now = world.clock.now_ms()
    outcome = verify_room_password(world.deps, "lobby", PASSWORD)
    access = outcome.value

    assert outcome.events == []
    assert access.expires_in == world.deps.config.room_token_ttl_s == 3600
    assert access.user_id.startswith("g_")
    assert access.username == f"guest-{access.user_id[2:8]}"
    claims = world.tokens.verify_room_token(access.token)
    room = world.store_factory.store.rooms["lobby"]
    assert claims == RoomTokenClaims(
        user_id=access.user_id,
        username=access.username,
        room_id="lobby",
        incarnation=room.incarnation,
        password_version=room.password_version,
        role=Role.MEMBER,
        expires_at=now // 1000 + 3600,
        session_start=now // 1000,  # a first token starts its session
    )
    store = world.store_factory.store
    assert store.memberships[("lobby", access.user_id)].role is Role.MEMBER
    assert store.profiles[access.user_id].username == access.username


def test_given_username_is_used(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    access = verify_room_password(world.deps, "lobby", PASSWORD, "Zoë").value
    assert access.username == "Zoë"
    assert world.tokens.verify_room_token(access.token).username == "Zoë"
    assert world.store_factory.store.profiles[access.user_id].username == "Zoë"


def test_each_verification_is_a_new_guest(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    first = verify_room_password(world.deps, "lobby", PASSWORD).value
    second = verify_room_password(world.deps, "lobby", PASSWORD).value
    assert first.user_id != second.user_id


def test_bad_password_is_refused(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(Unauthorized) as caught:
        verify_room_password(world.deps, "lobby", PASSWORD + "!")
    assert caught.value.code is ErrorCode.BAD_PASSWORD
    # No guest was created for the failed attempt.
    assert len(world.store_factory.store.memberships) == 1


def test_unknown_room_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as caught:
        verify_room_password(world.deps, "nowhere", PASSWORD)
    assert caught.value.code is ErrorCode.ROOM_NOT_FOUND
    assert world.hasher.verify_calls == 0


def test_invalid_room_id_and_username_are_refused(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(InvalidInput) as caught:
        verify_room_password(world.deps, "../lobby", PASSWORD)
    assert caught.value.code is ErrorCode.INVALID_ROOM_ID
    with pytest.raises(InvalidInput) as caught:
        verify_room_password(world.deps, "lobby", PASSWORD, "bad\u200bname")
    assert caught.value.code is ErrorCode.INVALID_USERNAME
    assert world.hasher.verify_calls == 0


def test_over_long_password_is_refused_without_hashing(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(Unauthorized) as caught:
        verify_room_password(world.deps, "lobby", "x" * (PASSWORD_MAX_CHARS + 1))
    assert caught.value.code is ErrorCode.BAD_PASSWORD
    with pytest.raises(Unauthorized):
        verify_room_password(world.deps, "lobby", "x" * 1_000_000)
    assert world.hasher.verify_calls == 0

    # At the bound the password is hashed and compared as usual.
    with pytest.raises(Unauthorized):
        verify_room_password(world.deps, "lobby", "x" * PASSWORD_MAX_CHARS)
    assert world.hasher.verify_calls == 1


def test_longest_allowed_password_works(world: World) -> None:
    password = "p" * PASSWORD_MAX_CHARS
    create_room(world.deps, "lobby", password)
    assert verify_room_password(world.deps, "lobby", password).value.token


def test_passwords_with_lone_surrogates_are_refused_cleanly(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_room(world.deps, "lobby", "\ud800" * 8)
    assert caught.value.code is ErrorCode.INVALID_PASSWORD
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(Unauthorized) as refused:
        verify_room_password(world.deps, "lobby", "pass\udc00word")
    assert refused.value.code is ErrorCode.BAD_PASSWORD
    assert world.hasher.verify_calls == 0
