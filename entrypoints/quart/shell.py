"""The Quart runtime's handlers: its request in, common's answer out, emits after commit.

The core is sync: what a table entry runs goes to its lane's threads (`run`), so the event
loop never blocks and password work never takes a core worker; emits happen back on the
loop, after the commit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import socketio
from quart import Response, request
from werkzeug.exceptions import HTTPException

from entrypoints.common.batching import Batched, SendCommand, SendResult
from entrypoints.common.http_api import HttpRequest, HttpResponse, Route, respond
from entrypoints.common.lanes import Lane
from entrypoints.common.server_base import ServerBase
from entrypoints.common.socket_api import EXPIRY_SWEEP_S, Refused, SocketResult, finish
from entrypoints.common.socket_events import Emit, emits_for
from entrypoints.quart.batching import AsyncBatcher
from entrypoints.quart.transport import sweep_polling

log = logging.getLogger("securechat.quart")
T = TypeVar("T")


class QuartShell:
    def __init__(self, base: ServerBase, sio: socketio.AsyncServer) -> None:
        self.base = base
        self.sio = sio
        self.batcher: AsyncBatcher[SendCommand, SendResult] = AsyncBatcher(base.send_batch)
        self.sweeper: Any = None  # started with the first connection, on the server's loop
        # Password work waits for argon2 on threads of its own: on the shared workers, a few
        # guessers would hold every worker and stall everyone's reads and sends behind them.
        self.password_threads = ThreadPoolExecutor(
            max_workers=base.settings.hash_threads, thread_name_prefix="securechat-password"
        )
        base.core.closers.append(functools.partial(self.password_threads.shutdown, wait=False))

    async def run(self, lane: Lane, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in its lane: on the loop, a core worker, or a password thread."""
        if lane is Lane.INLINE:
            return fn(*args)
        pool = self.password_threads if lane is Lane.PASSWORD else None  # None: the workers
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    # -- HTTP ------------------------------------------------------------------------------

    async def view(self, route: Route, **params: str) -> Response:
        body = await request.get_data(cache=False) if request.method == "POST" else b""
        http_request = HttpRequest(
            request.method, params, request.args.to_dict(), request.headers, bytes(body)
        )
        answer = await self.run(route.lane, self.base.answer, route, http_request)
        if isinstance(answer, Batched):
            answer = respond(answer, await self.batcher.submit(answer.command))
        return await self.reply(answer)

    async def reply(self, response: HttpResponse) -> Response:
        await self.emit_all(emits_for(response.events))
        status, body, headers = self.base.encode(response)
        return Response(body, status=status, headers=headers)

    async def preflight(self) -> Response | None:
        answer = self.base.preflight(request.method, request.headers)
        return None if answer is None else Response("", status=answer[0], headers=answer[1])

    async def add_cors(self, response: Response) -> Response:
        response.headers.update(self.base.cors(request.method, request.headers))
        return response

    async def http_error(self, error: HTTPException) -> Response:
        return await self.reply(self.base.http_error(error.code or 500, dict(error.get_headers())))

    async def unhandled(self, error: Exception) -> Response:
        return await self.reply(self.base.unhandled(error))

    # -- Socket.IO -------------------------------------------------------------------------

    async def connect(self, sid: str, _environ: object, auth: object = None) -> None:
        try:
            await self.run(Lane.WORKER, self.base.connect, sid, auth)
        except Refused as refused:
            raise socketio.exceptions.ConnectionRefusedError(
                refused.body["error"], refused.body
            ) from None
        if self.sweeper is None:
            self.sweeper = self.sio.start_background_task(self.sweep)

    async def disconnect(self, sid: str, *_reason: object) -> None:
        await self.emit_all(await self.run(Lane.WORKER, self.base.disconnect, sid))

    async def event(self, name: str, sid: str, *args: object) -> dict[str, Any]:
        step = await self.run(self.base.lane(name), self.base.event, name, sid, args)
        if isinstance(step, Batched):
            step = finish(step, await self.batcher.submit(step.command))
        return await self.apply(sid, step)

    async def apply(self, sid: str, result: SocketResult) -> dict[str, Any]:
        # The disconnect may have run while a join was in its thread: enter only a live
        # connection (protocol.disconnect runs before python-socketio forgets the sid).
        if room := self.base.may_enter(sid, result):
            await self.sio.enter_room(sid, room)
        if result.exit:
            await self.sio.leave_room(sid, result.exit)
        await self.emit_all(result.emits)
        return result.ack

    async def emit_all(self, emits: list[Emit]) -> None:
        for item in emits:
            await self.sio.emit(item.event, item.data, to=item.to)

    async def sweep(self) -> None:
        """Once a second: cut off stalled polling clients and end expired connections."""
        while True:  # never ends: one failure must not stop the sweeping
            await self.sio.sleep(EXPIRY_SWEEP_S)
            await sweep_polling(self.sio, self.base.backlog)
            for sid in self.base.expired():  # in memory: cheap enough for the loop
                try:
                    await self.end(sid)
                except Exception:
                    log.exception("could not end an expired connection")

    async def end(self, sid: str) -> None:
        try:
            await self.sio.disconnect(sid)  # runs disconnect: presence is updated
        finally:
            # Whatever became of the socket, its access ends here (a no-op when the
            # disconnect handler has already run).
            await self.emit_all(await self.run(Lane.WORKER, self.base.disconnect, sid))
