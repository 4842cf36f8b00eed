"""domain/usecases/access.py: tokens and the room they open, on every use case.

Over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

import pytest

from domain.model.errors import ErrorCode, Forbidden, InvalidInput, Unauthorized
from domain.model.members import Role
from domain.model.policies import Grant
from domain.usecases.access import authenticate, open_room
from domain.usecases.create_room import create_room
from domain.usecases.join_room import join_room
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from domain.usecases.verify_room import verify_room_password
from tests.support import PASSWORD, World, member_claims


def test_token_of_another_room_is_forbidden(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    claims_a = member_claims(world, "a")

    with pytest.raises(Forbidden) as caught:
        send_message(world.deps, claims_a, "b", "sneaky")
    assert caught.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(Forbidden):
        read_history(world.deps, claims_a, "b")
    with pytest.raises(Forbidden):
        join_room(world.deps, claims_a, "b", "conn")
    assert "b" not in world.store_factory.store.messages
    assert world.presence.count("b") == 0


def test_missing_or_forged_token_is_unauthorized(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    token = verify_room_password(world.deps, "lobby", PASSWORD).value.token
    for bad in (None, "", "garbage", token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")):
        with pytest.raises(Unauthorized) as caught:
            authenticate(world.deps, bad)
        assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_expired_token_is_unauthorized(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    access = verify_room_password(world.deps, "lobby", PASSWORD).value
    claims = authenticate(world.deps, access.token)
    expiry_ms = claims.expires_at * 1000

    world.clock.set(expiry_ms - 1)
    send_message(world.deps, claims, "lobby", "just in time")
    assert authenticate(world.deps, access.token) == claims

    world.clock.set(expiry_ms)
    with pytest.raises(Unauthorized) as caught:
        authenticate(world.deps, access.token)
    assert caught.value.code is ErrorCode.UNAUTHORIZED
    # Claims verified earlier do not outlive the token either.
    with pytest.raises(Unauthorized):
        send_message(world.deps, claims, "lobby", "too late")
    with pytest.raises(Unauthorized):
        read_history(world.deps, claims, "lobby")
    with pytest.raises(Unauthorized):
        join_room(world.deps, claims, "lobby", "conn")
    assert len(world.store_factory.store.messages["lobby"]) == 1


def test_token_of_a_deleted_room_is_unauthorized(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    store = world.store_factory.store
    with store.lock:
        del store.rooms["lobby"]
    with pytest.raises(Unauthorized) as caught:
        send_message(world.deps, claims, "lobby", "anyone?")
    assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_recreated_room_rejects_tokens_of_the_old_one(world: World) -> None:
    old_admin = create_room(world.deps, "lobby", PASSWORD).value
    old_member = member_claims(world, "lobby")
    old_admin_claims = authenticate(world.deps, old_admin.admin_token)
    store = world.store_factory.store
    old_incarnation = store.rooms["lobby"].incarnation

    with store.lock:
        del store.rooms["lobby"]
    new_admin = create_room(world.deps, "lobby", PASSWORD).value
    assert store.rooms["lobby"].incarnation != old_incarnation

    for claims in (old_member, old_admin_claims):
        with pytest.raises(Unauthorized) as caught:
            send_message(world.deps, claims, "lobby", "from the past")
        assert caught.value.code is ErrorCode.UNAUTHORIZED
        with pytest.raises(Unauthorized):
            read_history(world.deps, claims, "lobby")
        with pytest.raises(Unauthorized):
            join_room(world.deps, claims, "lobby", "conn")

    # The new incarnation's tokens work.
    new_claims = authenticate(world.deps, new_admin.admin_token)
    assert send_message(world.deps, new_claims, "lobby", "fresh").value.text == "fresh"
    assert member_claims(world, "lobby").incarnation == store.rooms["lobby"].incarnation


def test_changed_password_version_revokes_tokens(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    store = world.store_factory.store
    with store.lock:
        store.rooms["lobby"].password_version += 1
    with pytest.raises(Unauthorized):
        send_message(world.deps, claims, "lobby", "hi")


def test_open_room_checks_the_room_id(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    with world.deps.uow() as uow, pytest.raises(InvalidInput):
        open_room(world.deps, uow, claims, "not/a/room")
    with world.deps.uow() as uow:
        room, grant = open_room(world.deps, uow, claims, "lobby")
    assert room.id == "lobby"
    assert grant == Grant("lobby", claims.user_id, claims.username, Role.MEMBER, guest=True)


def test_a_tokens_claims_are_checked_once_on_the_way_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token service checks a token's claims (check_claims: expiry) on verifying it;
    verify_token and authenticate do not check them a second time."""
    from domain.usecases import access

    create_room(world.deps, "lobby", PASSWORD)
    token = verify_room_password(world.deps, "lobby", PASSWORD).value.token
    world.deps.tokens.verify_token(token)  # cached now: the service's own check stays
    checked: list[object] = []
    monkeypatch.setattr(access, "check_claims", lambda *args, **kw: checked.append(args))
    assert access.verify_token(world.deps, token).room_id == "lobby"
    assert authenticate(world.deps, token).room_id == "lobby"
    assert checked == []
