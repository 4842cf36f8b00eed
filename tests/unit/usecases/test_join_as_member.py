"""domain/usecases/join_as_member.py: a user joins a room once with its password, then its
token alone grants the room (and only that incarnation of it)."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.errors import ErrorCode, Forbidden, NotFound, Unauthorized
from domain.model.members import Role
from domain.usecases.access import LookupMemo, open_room
from domain.usecases.accounts import logout
from domain.usecases.create_room import create_room
from domain.usecases.join_as_member import join_as_member
from domain.usecases.join_room import join_room
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from tests.support import PASSWORD, World, member_claims, signed_in_user


def test_a_user_token_grants_no_room_before_joining(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    _, claims = signed_in_user(world)
    for attempt in (
        lambda: send_message(world.deps, claims, "lobby", "hi"),
        lambda: read_history(world.deps, claims, "lobby"),
        lambda: join_room(world.deps, claims, "lobby", "conn"),
        lambda: join_as_member(world.deps, claims, "lobby", None),
    ):
        with pytest.raises(Forbidden) as caught:
            attempt()
        assert caught.value.code is ErrorCode.FORBIDDEN
    assert "lobby" not in world.store_factory.store.messages


def test_joining_with_the_password_makes_a_member_whose_token_then_grants_the_room(
    world: World,
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    signed, claims = signed_in_user(world, "Alice")
    membership = join_as_member(world.deps, claims, "lobby", PASSWORD).value
    assert (membership.room_id, membership.user_id, membership.role) == (
        "lobby",
        signed.user_id,
        Role.MEMBER,
    )
    room = world.store_factory.store.rooms["lobby"]
    assert membership.incarnation == room.incarnation
    posted = send_message(world.deps, claims, "lobby", "hello").value
    # Attributed to the account, not to a guest identity.
    assert (posted.user_id, posted.username) == (signed.user_id, "Alice")
    page = read_history(world.deps, claims, "lobby").value
    assert [(m.user_id, m.text) for m in page.messages] == [(signed.user_id, "hello")]
    assert join_room(world.deps, claims, "lobby", "conn").value.user_id == signed.user_id


def test_a_member_joins_again_without_a_password_and_nothing_is_hashed(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    _, claims = signed_in_user(world)
    first = join_as_member(world.deps, claims, "lobby", PASSWORD).value
    hashed = world.hasher.verify_calls
    assert join_as_member(world.deps, claims, "lobby", None).value == first
    assert join_as_member(world.deps, claims, "lobby", "not the password").value == first
    assert world.hasher.verify_calls == hashed


@pytest.mark.parametrize("guess", ["wrong password", "x" * 10_000, "\ud800bad"])
def test_a_wrong_password_is_bad_password_and_stores_nothing(world: World, guess: str) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    signed, claims = signed_in_user(world)
    with pytest.raises(Unauthorized) as caught:
        join_as_member(world.deps, claims, "lobby", guess)
    assert caught.value.code is ErrorCode.BAD_PASSWORD
    assert ("lobby", signed.user_id) not in world.store_factory.store.memberships
    with pytest.raises(Forbidden):
        read_history(world.deps, claims, "lobby")


def test_joining_a_missing_room_is_room_not_found(world: World) -> None:
    _, claims = signed_in_user(world)
    with pytest.raises(NotFound) as caught:
        join_as_member(world.deps, claims, "nowhere", PASSWORD)
    assert caught.value.code is ErrorCode.ROOM_NOT_FOUND


def test_a_membership_opens_only_its_own_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    _, claims = signed_in_user(world)
    join_as_member(world.deps, claims, "a", PASSWORD)
    with pytest.raises(Forbidden):
        send_message(world.deps, claims, "b", "sneaky")
    with pytest.raises(Forbidden):
        read_history(world.deps, claims, "b")
    # Nor a room that does not exist: the same answer, nothing learned.
    with pytest.raises(Forbidden):
        read_history(world.deps, claims, "nowhere")


def test_a_membership_never_opens_a_later_room_under_the_same_id(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    _, claims = signed_in_user(world)
    join_as_member(world.deps, claims, "lobby", PASSWORD)
    store = world.store_factory.store
    # No route deletes a room yet: re-create it in the store, as a delete then create would.
    with store.lock:
        store.rooms["lobby"] = dataclasses.replace(store.rooms["lobby"], incarnation="inc-new")
    with pytest.raises(Forbidden):
        read_history(world.deps, claims, "lobby")
    with pytest.raises(Forbidden):
        send_message(world.deps, claims, "lobby", "ghost")
    with pytest.raises(Forbidden):
        join_as_member(world.deps, claims, "lobby", None)  # no free pass into the new room
    # Its password makes a member of the new incarnation, replacing the dead record.
    renewed = join_as_member(world.deps, claims, "lobby", PASSWORD).value
    assert renewed.incarnation == "inc-new"
    assert send_message(world.deps, claims, "lobby", "back").value.text == "back"


def test_a_revoked_sign_in_joins_nothing_and_opens_nothing(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    signed, claims = signed_in_user(world)
    join_as_member(world.deps, claims, "lobby", PASSWORD)
    logout(world.deps, signed.refresh_token)
    for attempt in (
        lambda: join_as_member(world.deps, claims, "lobby", PASSWORD),
        lambda: send_message(world.deps, claims, "lobby", "after logout"),
        lambda: read_history(world.deps, claims, "lobby"),
    ):
        with pytest.raises(Unauthorized) as caught:
            attempt()
        assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_a_room_token_never_becomes_a_member_of_another_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    claims_a = member_claims(world, "a")
    with pytest.raises(Forbidden):
        join_room(world.deps, claims_a, "b", "conn")
    assert ("b", claims_a.user_id) not in world.store_factory.store.memberships


def test_a_batch_reads_each_room_member_and_sign_in_once(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    _, claims = signed_in_user(world)
    join_as_member(world.deps, claims, "lobby", PASSWORD)

    known = LookupMemo()
    with world.deps.uow() as uow:
        for _ in range(3):
            open_room(world.deps, uow, claims, "lobby", known)
    assert list(known.rooms) == ["lobby"]
    assert list(known.memberships) == [("lobby", claims.user_id)]
    assert list(known.families) == [claims.family_id]
