"""Room broadcasts for the Quart runtime without one asyncio task per recipient.

python-socketio's AsyncManager encodes a broadcast once, then wraps the hand-off to every
recipient in its own task and waits for them all: 50 tasks for one message to a room of 50.
Handing a packet to a connection only puts it on that connection's queue, so here it is
done inline, recipient by recipient, with the same encoded packet. Emits that need acks
(callbacks) keep python-socketio's own path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from entrypoints.common.quiet_log import pubsub_logger
from entrypoints.common.relay import local_target, relayed


class InlineAsyncManager(socketio.AsyncManager):  # type: ignore[misc]  # python-socketio is untyped
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(
                event,
                data,
                namespace,
                room=room,
                skip_sid=skip_sid,
                callback=callback,
                to=to,
                **kwargs,
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        packets = [
            eio_packet.Packet(eio_packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        send = self.server.eio.send_packet
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid not in skip:
                for pkt in packets:
                    await send(eio_sid, pkt)


class ClusterAsyncManager(socketio.AsyncRedisManager, InlineAsyncManager):  # type: ignore[misc]  # untyped
    """With SECURECHAT_REDIS_URL: python-socketio's Redis manager (JSON on the channel, never
    pickle: python-socketio >= 5.14), so an emit reaches a room's sockets on every process."""

    # Still handed out inline here (its `_handle_emit` ends in InlineAsyncManager.emit). An
    # emit to one of this process's own sockets stays here: no other process has it. An
    # emit to relay.RELAY_ROOM is a revocation for the other processes: given to `relayed`.

    def __init__(
        self, url: str, channel: str, relayed: Callable[[object], Awaitable[None]]
    ) -> None:
        super().__init__(url, channel=channel, logger=pubsub_logger())
        self._relayed = relayed

    async def emit(  # type: ignore[override]  # python-socketio passes room, to, ... by keyword
        self, event: str, data: Any, namespace: str | None = None, **kwargs: Any
    ) -> None:
        namespace = namespace or "/"
        if (sid := local_target(self, namespace, kwargs)) is not None:
            await InlineAsyncManager.emit(self, event, data, namespace, room=sid)
            return
        await super().emit(event, data, namespace, **kwargs)

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if (payloads := relayed(message, self.host_id)) is None:
            await super()._handle_emit(message)
        for payload in payloads or ():
            await self._relayed(payload)
