"""domain/usecases/update_settings.py over the memory adapters: who may, and what a change
racing another one (a room deleted while a new password was being hashed) leaves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from domain.model.errors import ChatError, Forbidden
from domain.model.events import RoomTokensRevoked
from domain.model.members import Role
from domain.usecases.create_room import create_room
from domain.usecases.delete_room import delete_room
from domain.usecases.join_as_member import join_as_member
from domain.usecases.send_message import send_message
from domain.usecases.update_settings import SettingsChange, update_settings
from ports.passwords import PasswordHasher
from tests.support import PASSWORD, World, member_claims, room_admin, signed_in_user


class HashingThen:
    """The real hasher, running `meanwhile` right after it hashes: what another request
    committing during the slow hash looks like."""

    def __init__(self, inner: PasswordHasher, meanwhile: Callable[[], object]) -> None:
        self.inner = inner
        self.meanwhile = meanwhile

    def hash(self, password: str) -> str:
        hashed = self.inner.hash(password)
        self.meanwhile()
        return hashed

    def verify(self, password_hash: str, password: str) -> bool:
        return self.inner.verify(password_hash, password)


def test_a_room_deleted_while_its_new_password_hashed_stays_deleted(world: World) -> None:
    admin = room_admin(world)
    deps = dataclasses.replace(
        world.deps,
        hasher=HashingThen(world.deps.hasher, lambda: delete_room(world.deps, admin, "lobby")),
    )
    change = SettingsChange(password="a new password")
    with pytest.raises(ChatError) as caught:
        update_settings(deps, admin, "lobby", change)
    # The room is gone, and with it the admin token: nothing is re-created or changed.
    assert caught.value.code in {"room_not_found", "unauthorized"}
    assert "lobby" not in world.store_factory.store.rooms


def test_an_admin_demoted_while_the_password_hashed_changes_nothing(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    signed, claims = signed_in_user(world)
    join_as_member(world.deps, claims, "lobby", PASSWORD)
    store = world.store_factory.store
    key = ("lobby", claims.user_id)
    store.memberships[key] = dataclasses.replace(store.memberships[key], role=Role.ADMIN)
    before = store.rooms["lobby"]

    def demote() -> None:
        store.memberships[key] = dataclasses.replace(store.memberships[key], role=Role.MEMBER)

    deps = dataclasses.replace(world.deps, hasher=HashingThen(world.deps.hasher, demote))
    with pytest.raises(Forbidden):
        update_settings(
            deps,
            claims,
            "lobby",
            SettingsChange(password="a new password"),
        )
    assert store.rooms["lobby"] == before


def test_a_new_password_revokes_guest_tokens_only(world: World) -> None:
    admin = room_admin(world)
    guest = member_claims(world, "lobby")
    out = update_settings(world.deps, admin, "lobby", SettingsChange(password="a new password"))
    room = world.store_factory.store.rooms["lobby"]
    assert out.events == [RoomTokensRevoked("lobby", room.incarnation, 2, 1)]
    with pytest.raises(ChatError) as caught:
        send_message(world.deps, guest, "lobby", "still here?")
    assert caught.value.code == "unauthorized"
    assert send_message(world.deps, admin, "lobby", "yes").value.text == "yes"
