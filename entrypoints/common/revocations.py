"""What committed revocations do to live sockets (ServerBase's, written once for both
runtimes): end, at once, every socket a revoked credential opened, and take sockets out of
a deleted room or a room they were removed from; and, in a cluster, the same for the
revocations another process committed (relay.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from domain.model.events import (
    AddressesNarrowed,
    Event,
    FamilyRevoked,
    MemberRemoved,
    RoomDeleted,
    RoomTokensRevoked,
)
from domain.model.sessions import EndReason
from entrypoints.common import relay
from entrypoints.common.lanes import Lane
from entrypoints.common.socket_connections import SocketProtocol
from entrypoints.common.socket_events import Emit, channel
from entrypoints.common.steps import Disconnect, Leave, Steps, call

log = logging.getLogger("securechat.server")


class Revocations:
    """ServerBase's revocation steps (a base class of it: it gives `protocol`, `emitting`
    and `disconnect_steps`)."""

    protocol: SocketProtocol

    def emitting(self, emits: Iterable[Emit]) -> Steps[None]:
        raise NotImplementedError

    def disconnect_steps(self, sid: str) -> Steps[None]:
        raise NotImplementedError

    def relayed_steps(self, payload: object) -> Steps[None]:
        """Revocations another process of the cluster committed (relay.py), done to this
        process's sockets."""
        yield from self.revocation_steps(relay.decode(payload))

    def revocation_steps(self, events: Sequence[Event]) -> Steps[None]:
        """After their emits, committed events end the sockets of tokens they revoked and take
        sockets out of rooms they lost, each told first with its `reason` (`EndReason`)."""
        for event in events:
            # The lookups are in memory: cheap enough for an event loop.
            match event:
                case FamilyRevoked(family_id=family_id, reason=reason):
                    yield from self.end_steps(self.protocol.revoked(family_id), reason)
                case RoomTokensRevoked(reason=reason):
                    yield from self.end_steps(self.protocol.stale(event), reason)
                case RoomDeleted(room_id=room_id):
                    # Waits for each connection's running event: in a worker.
                    evicted, _ = yield from call(Lane.WORKER, self.protocol.evict, room_id)
                    for sid in evicted:
                        yield Leave(sid, channel(room_id))
                case MemberRemoved(room_id=room_id, user_id=user_id, standing=standing):
                    evicted, presence = yield from call(
                        Lane.WORKER, self.protocol.evict, room_id, user_id
                    )
                    for sid in evicted:
                        # Told on its own, then out of the room; the room sees it leave.
                        told = {"room": room_id, "reason": EndReason(standing.value).value}
                        yield Emit(standing.value, told, sid)
                        yield Leave(sid, channel(room_id))
                    yield from self.emitting(presence)
                case AddressesNarrowed(room_id=room_id, networks=networks, owner=owner):
                    evicted, presence = yield from call(
                        Lane.WORKER, self.protocol.evict_unverified, room_id, networks, owner
                    )
                    for sid in evicted:
                        told = {"room": room_id, "reason": EndReason.IP_NOT_VERIFIED.value}
                        yield Emit("ip_not_verified", told, sid)
                        yield Leave(sid, channel(room_id))
                    yield from self.emitting(presence)

    def end_steps(self, sids: Sequence[str], reason: EndReason) -> Steps[None]:
        """Disconnect connections whose access has ended (expired, revoked), each told
        `session_ended {"reason"}` first: never silently."""
        for sid in sids:
            try:
                yield Emit("session_ended", {"reason": reason.value}, sid)
                yield Disconnect(sid)  # runs disconnect: presence is updated
            except Exception:
                log.exception("could not end a connection")
            # Whatever became of the socket, its access ends here (a no-op when the
            # disconnect handler has already run).
            yield from self.disconnect_steps(sid)
