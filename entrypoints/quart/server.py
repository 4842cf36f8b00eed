"""Serve the Quart runtime with uvicorn on an already-bound socket."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import uvicorn

from entrypoints.common.bootstrap import Core
from entrypoints.common.edge import EdgePolicy
from entrypoints.common.settings import Settings
from entrypoints.quart.app import create_app
from entrypoints.quart.outbox import websocket_protocol
from entrypoints.quart.request_head import http_protocol


class UvicornServer(uvicorn.Server):
    """uvicorn's server, ready when it has started, exiting 0 on a requested shutdown."""

    def __init__(self, config: uvicorn.Config, ready: Callable[[], None], threads: int) -> None:
        super().__init__(config)
        self._ready = ready
        self._threads = threads

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal after shutdown; a requested, completed shutdown exits
        # 0 here, as the Flask runtime does.
        self._captured_signals.clear()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # asyncio.to_thread uses the default executor: size it for the core's blocking calls.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="securechat-core")
        )
        await super().startup(sockets=sockets)
        if self.started:
            self._ready()


def serve(
    settings: Settings, core: Core, listener: socket.socket, ready: Callable[[], None]
) -> None:
    config = uvicorn.Config(
        create_app(settings, core),
        log_level="warning",
        access_log=False,
        lifespan="off",
        # Never trust X-Forwarded-*: client addresses come from trusted proxies only.
        proxy_headers=False,
        server_header=False,
        ws_max_size=settings.max_request_bytes,
        # No permessage-deflate: chat frames are small, and inflating what a client sends
        # is work (and memory) spent before any token is checked.
        ws_per_message_deflate=False,
        h11_max_incomplete_event_size=settings.max_request_bytes,
        timeout_graceful_shutdown=5,
        # What a connection writes in one loop turn goes out in one write (see outbox.py).
        # ...and a request's head is read within SECURECHAT_MAX_HEADER_* (see request_head.py).
        http=http_protocol(EdgePolicy.from_settings(settings)),
        ws=websocket_protocol(float(settings.slow_client_timeout_s)),
    )
    UvicornServer(config, ready, settings.worker_threads).run(sockets=[listener])
