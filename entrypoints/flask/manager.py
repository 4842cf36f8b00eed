"""Room broadcasts across the processes of a cluster, for the Flask runtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import socketio

from entrypoints.common.quiet_log import pubsub_logger
from entrypoints.common.relay import RELAY_ROOM


class ClusterManager(socketio.RedisManager):  # type: ignore[misc]  # python-socketio is untyped
    """With SECURECHAT_REDIS_URL: python-socketio's Redis manager (JSON on the channel, never
    pickle: python-socketio >= 5.14), so an emit reaches a room's sockets on every process."""

    # An emit to one of this process's own sockets stays here: no other process has it. An
    # emit to relay.RELAY_ROOM is a revocation for the other processes: given to `relayed`.

    def __init__(self, url: str, channel: str, relayed: Callable[[object], None]) -> None:
        super().__init__(url, channel=channel, logger=pubsub_logger())
        self._relayed = relayed

    def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        target, namespace = to or room, namespace or "/"
        if callback is None and isinstance(target, str) and self.is_connected(target, namespace):
            socketio.Manager.emit(self, event, data, namespace, room=target)
            return
        super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
        )

    def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("room") == RELAY_ROOM:
            data = message.get("data")
            if message.get("host_id") != self.host_id and isinstance(data, list) and data:
                self._relayed(data[0])
            return
        super()._handle_emit(message)
