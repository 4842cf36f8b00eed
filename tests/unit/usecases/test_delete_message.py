"""domain/usecases/delete_message.py over the memory adapters."""

from __future__ import annotations

import pytest

from domain.model.errors import NotFound
from domain.usecases.delete_message import delete_message
from domain.usecases.send_message import send_message
from tests.support import World, room_admin


def test_deleting_a_message_of_another_room_is_not_found(world: World) -> None:
    admin_a = room_admin(world, "a")
    admin_b = room_admin(world, "b")
    message = send_message(world.deps, admin_a, "a", "in a").value
    with pytest.raises(NotFound):
        delete_message(world.deps, admin_b, "b", message.id)
    assert world.store_factory.store.messages["a"][0].id == message.id
