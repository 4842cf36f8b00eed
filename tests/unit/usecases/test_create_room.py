"""domain/usecases/create_room.py: a room, its hashed password and its admin.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

import pytest

from domain.model.errors import Conflict, ErrorCode, InvalidInput
from domain.model.events import RoomCreated
from domain.model.members import Role
from domain.model.policies import RoomTokenClaims
from domain.model.rooms import PASSWORD_MAX_CHARS
from domain.usecases.access import authenticate
from domain.usecases.accounts import register
from domain.usecases.create_room import create_room
from domain.usecases.join_room import join_room
from tests.support import PASSWORD, World


def test_create_room_returns_an_admin_token(world: World) -> None:
    now = world.clock.now_ms()
    outcome = create_room(world.deps, "lobby", PASSWORD)
    created = outcome.value

    assert created.room_id == "lobby"
    assert created.user_id.startswith("g_")
    assert created.expires_in == world.deps.config.admin_token_ttl_s == 30 * 24 * 3600
    claims = world.tokens.verify_room_token(created.admin_token)
    room = world.store_factory.store.rooms["lobby"]
    assert claims == RoomTokenClaims(
        user_id=created.user_id,
        username=f"guest-{created.user_id[2:8]}",
        room_id="lobby",
        incarnation=room.incarnation,
        password_version=1,
        role=Role.ADMIN,
        expires_at=now // 1000 + created.expires_in,
        admin_version=1,
        session_start=now // 1000,
    )
    assert outcome.events == [RoomCreated("lobby", created.user_id)]


def test_create_room_stores_a_hash_and_makes_the_creator_admin(world: World) -> None:
    created = create_room(world.deps, "lobby", PASSWORD).value
    store = world.store_factory.store

    room = store.rooms["lobby"]
    assert room.created_by == created.user_id
    assert room.created_at_ms == world.clock.now_ms()
    assert PASSWORD not in room.password_hash
    assert room.password_hash.startswith("$argon2id$")
    assert world.hasher.inner.verify(room.password_hash, PASSWORD)

    membership = store.memberships[("lobby", created.user_id)]
    assert membership.role is Role.ADMIN
    profile = store.profiles[created.user_id]
    assert profile.username == f"guest-{created.user_id[2:8]}"


def test_admin_token_opens_the_room(world: World) -> None:
    created = create_room(world.deps, "lobby", PASSWORD).value
    claims = authenticate(world.deps, created.admin_token)
    grant = join_room(world.deps, claims, "lobby", "conn-1").value
    assert grant.role is Role.ADMIN


def test_create_room_twice_is_a_conflict_and_keeps_the_first(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    first = world.store_factory.store.rooms["lobby"]
    hashes_before = world.hasher.hash_calls

    with pytest.raises(Conflict) as caught:
        create_room(world.deps, "lobby", "another password")
    assert caught.value.code is ErrorCode.ROOM_EXISTS
    assert world.store_factory.store.rooms["lobby"] == first
    assert world.hasher.hash_calls == hashes_before  # refused before the slow hash


@pytest.mark.parametrize(
    ("room_id", "password", "code"),
    [
        ("bad room", PASSWORD, ErrorCode.INVALID_ROOM_ID),
        ("a" * 65, PASSWORD, ErrorCode.INVALID_ROOM_ID),
        ("lobby", "short", ErrorCode.INVALID_PASSWORD),
        ("lobby", "x" * (PASSWORD_MAX_CHARS + 1), ErrorCode.INVALID_PASSWORD),
    ],
)
def test_create_room_validates_input(
    world: World, room_id: str, password: str, code: ErrorCode
) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_room(world.deps, room_id, password)
    assert caught.value.code is code
    assert world.store_factory.store.rooms == {}
    assert world.hasher.hash_calls == 0


def test_a_guest_creator_is_the_one_admin_member_under_the_name_it_typed(world: World) -> None:
    created = create_room(world.deps, "lobby", PASSWORD, username="  Ada  ").value

    assert created.username == "Ada"  # normalized, as a verified guest's name is
    claims = world.tokens.verify_room_token(created.admin_token)
    assert (claims.user_id, claims.username) == (created.user_id, "Ada")
    store = world.store_factory.store
    members = [m for (room_id, _), m in store.memberships.items() if room_id == "lobby"]
    assert [(m.user_id, m.role) for m in members] == [(created.user_id, Role.ADMIN)]
    assert store.profiles[created.user_id].username == "Ada"


def test_a_creators_name_may_not_be_one_an_account_holds_nor_malformed(world: World) -> None:
    register(world.deps, "alice", PASSWORD)
    with pytest.raises(Conflict) as taken:
        create_room(world.deps, "lobby", PASSWORD, username="ALICE")
    assert taken.value.code is ErrorCode.USERNAME_TAKEN
    with pytest.raises(InvalidInput) as malformed:
        create_room(world.deps, "lobby", PASSWORD, username="\u200b")
    assert malformed.value.code is ErrorCode.INVALID_USERNAME
    assert "lobby" not in world.store_factory.store.rooms
