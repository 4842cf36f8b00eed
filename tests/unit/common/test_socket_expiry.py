"""SocketProtocol.expired: which connections' tokens have run out (the runtimes drop them)."""

from __future__ import annotations

from domain.usecases.create_room import create_room
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.socket_api import call_event
from entrypoints.common.socket_connections import SocketProtocol
from entrypoints.common.socket_events import PRESENCE_NOTE
from tests.support import World

PASSWORD = "correct horse battery"  # noqa: S105 - test data


def test_only_connections_whose_token_has_expired_are_reported(world: World) -> None:
    admin_token = create_room(world.deps, "lobby", PASSWORD).value.admin_token  # 30 days
    guest = verify_room_password(world.deps, "lobby", PASSWORD).value  # 1 hour
    protocol = SocketProtocol(world.deps)
    protocol.connect("admin", {"token": admin_token})
    protocol.connect("guest", {"token": guest.token})
    assert call_event(protocol, "join", "guest", {"room": "lobby"}).ack["ok"] is True

    assert protocol.expired() == []
    world.clock.advance(seconds=guest.expires_in - 1)
    assert protocol.expired() == []
    world.clock.advance(seconds=1)
    assert protocol.expired() == ["guest"]
    # Once the runtime has disconnected it, it is no longer reported.
    assert [e.event for e in protocol.disconnect("guest")] == [PRESENCE_NOTE]
    assert protocol.expired() == []
