"""The Quart runtime's handlers: its request in, common's steps performed, its response out.

Every handler is written once in common (ServerBase's steps); this shell performs them on
the event loop, awaiting each one. The core is sync: what a step runs goes to its lane's
threads (`run`), so the loop never blocks and password work never takes a core worker;
emits happen back on the loop, after the commit.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import socketio
from quart import Response, request
from werkzeug.exceptions import HTTPException

from entrypoints.common import steps as st
from entrypoints.common.batching import SendCommand, SendResult
from entrypoints.common.http_types import HttpRequest, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.server_base import RawReply, ServerBase
from entrypoints.common.socket_connections import Refused
from entrypoints.common.steps import drive_async as drive_steps
from entrypoints.quart.batching import AsyncBatcher
from entrypoints.quart.transport import end_session

T = TypeVar("T")


class QuartShell:
    def __init__(self, base: ServerBase, sio: socketio.AsyncServer) -> None:
        self.base = base
        self.sio = sio
        # Password work waits for argon2 on threads of its own: on the shared workers, a few
        # guessers would hold every worker and stall everyone's reads and sends behind them.
        self.password_threads = ThreadPoolExecutor(
            max_workers=base.settings.hash_threads, thread_name_prefix="securechat-password"
        )
        base.core.closers.append(functools.partial(self.password_threads.shutdown, wait=False))
        self.batcher: AsyncBatcher[SendCommand, SendResult] = AsyncBatcher(base.send_batch)
        self.sweeper: asyncio.Task[None] | None = None  # kept: the loop holds tasks weakly

    async def drive(self, steps: st.Steps[T]) -> T:
        """Perform `steps` to the end on the loop (common/steps.py's `drive_async`)."""
        return await drive_steps(steps, self.perform)

    async def perform(self, effect: st.Effect) -> Any:
        match effect:
            case st.Emit(event, data, to):
                return await self.sio.emit(event, data, to=to)
            case st.Call(lane, fn, args):
                return await self.run(lane, fn, *args)
            case st.Io(fn, args):
                return await fn(*args)
            case st.Submit(command):
                return await self.batcher.submit(command)
            case st.Enter(sid, room):
                return await self.sio.enter_room(sid, room)
            case st.Leave(sid, room):
                return await self.sio.leave_room(sid, room)
            case st.Sleep(seconds):
                return await self.sio.sleep(seconds)
            case st.Disconnect(sid):
                return await self.sio.disconnect(sid)
            case st.EndSession(eio_sid):
                return await end_session(self.sio, eio_sid)
            case st.StartSweep():
                steps = self.base.sweep_steps(self.sio.eio.sockets, self.connected)
                self.sweeper = self.sio.start_background_task(self.drive, steps)
                return None
        raise TypeError(f"not a step: {effect!r}")

    async def run(self, lane: Lane, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in its lane: on the loop, a core worker, or a password thread."""
        if lane is Lane.INLINE:
            return fn(*args)
        pool = self.password_threads if lane is Lane.PASSWORD else None  # None: the workers
        # In a copy of this task's context: the request id of its log lines goes with it.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(pool, context.run, fn, *args)

    def connected(self, eio_sid: str) -> bool:
        """Whether an Engine.IO session has made its Socket.IO connection."""
        return self.sio.manager.sid_from_eio_sid(eio_sid, "/") is not None

    # -- HTTP ------------------------------------------------------------------------------

    async def view(self, route: Route, **params: str) -> Response:
        body = (
            await request.get_data(cache=False, as_text=False, parse_form_data=False)
            if route.body is not None
            else b""
        )
        query, peer = request.args.to_dict(), request.remote_addr or ""
        http_request = HttpRequest(
            request.method,
            params,
            query,
            request.headers,
            bytes(body),
            peer,
            scheme=request.scheme,
            host=request.host,
        )
        return self.response(await self.drive(self.base.view_steps(route, http_request)))

    @staticmethod
    def response(reply: RawReply) -> Response:
        status, body, headers = reply
        return Response(body, status=status, headers=headers)

    async def preflight(self) -> Response | None:
        answer = self.base.preflight(request.method, request.headers)
        return None if answer is None else Response("", status=answer[0], headers=answer[1])

    async def add_cors(self, response: Response) -> Response:
        response.headers.update(self.base.cors(request.method, request.headers))
        return response

    async def http_error(self, error: HTTPException) -> Response:
        steps = self.base.reply_steps(
            self.base.http_error(error.code or 500, dict(error.get_headers()))
        )
        return self.response(await self.drive(steps))

    async def unhandled(self, error: Exception) -> Response:
        steps = self.base.reply_steps(self.base.unhandled(error))
        return self.response(await self.drive(steps))

    # -- Socket.IO -------------------------------------------------------------------------

    async def connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        try:
            await self.drive(self.base.connect_steps(sid, auth, environ))
        except Refused as refused:
            raise socketio.exceptions.ConnectionRefusedError(
                refused.body["error"], refused.body
            ) from None

    async def disconnect(self, sid: str, *_reason: object) -> None:
        await self.drive(self.base.disconnect_steps(sid))

    async def event(self, name: str, sid: str, *args: object) -> dict[str, Any]:
        return await self.drive(self.base.event_steps(name, sid, args))
