"""Room broadcasts across the processes of a cluster, for the Flask runtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import socketio

from entrypoints.common.quiet_log import pubsub_logger
from entrypoints.common.relay import local_target, relayed


class ClusterManager(socketio.RedisManager):  # type: ignore[misc]  # python-socketio is untyped
    """With SECURECHAT_REDIS_URL: python-socketio's Redis manager (JSON on the channel, never
    pickle: python-socketio >= 5.14), so an emit reaches a room's sockets on every process."""

    # An emit to one of this process's own sockets stays here: no other process has it. An
    # emit to relay.RELAY_ROOM is a revocation for the other processes: given to `relayed`.

    def __init__(self, url: str, channel: str, relayed: Callable[[object], None]) -> None:
        super().__init__(url, channel=channel, logger=pubsub_logger())
        self._relayed = relayed

    def emit(self, event: str, data: Any, namespace: str | None = None, **kwargs: Any) -> None:
        namespace = namespace or "/"
        if (sid := local_target(self, namespace, kwargs)) is not None:
            socketio.Manager.emit(self, event, data, namespace, room=sid)
            return
        super().emit(event, data, namespace, **kwargs)

    def _handle_emit(self, message: dict[str, Any]) -> None:
        if (payloads := relayed(message, self.host_id)) is None:
            super()._handle_emit(message)
        for payload in payloads or ():
            self._relayed(payload)
