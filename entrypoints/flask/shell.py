"""The Flask runtime's handlers: its request in, common's answer out, emits after commit.

Everything runs in the request's or event's own greenlet (blocking calls yield to the hub;
argon2 waits on its own threads), so the lanes of common's tables need nothing here.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from flask import Response, request
from socketio.exceptions import ConnectionRefusedError
from werkzeug.exceptions import HTTPException

from entrypoints.common.batching import Batched, SendCommand, SendResult
from entrypoints.common.http_api import HttpRequest, HttpResponse, Route, respond
from entrypoints.common.server_base import ServerBase
from entrypoints.common.socket_api import EXPIRY_SWEEP_S, Refused, SocketResult, finish
from entrypoints.common.socket_events import Emit, emits_for
from entrypoints.flask.batching import GeventBatcher
from entrypoints.flask.transport import sweep_polling

log = logging.getLogger("securechat.flask")


class FlaskShell:
    def __init__(self, base: ServerBase, sio: socketio.Server) -> None:
        self.base = base
        self.sio = sio
        self.batcher: GeventBatcher[SendCommand, SendResult] = GeventBatcher(base.send_batch)
        self.sweeper: Any = None  # started with the first connection, on the server's hub

    # -- HTTP ------------------------------------------------------------------------------

    def view(self, route: Route, **params: str) -> Response:
        body = request.get_data(cache=False) if request.method == "POST" else b""
        http_request = HttpRequest(
            request.method, params, request.args.to_dict(), request.headers, body
        )
        answer = self.base.answer(route, http_request)
        if isinstance(answer, Batched):
            answer = respond(answer, self.batcher.submit(answer.command))
        return self.reply(answer)

    def reply(self, response: HttpResponse) -> Response:
        self.emit_all(emits_for(response.events))
        status, body, headers = self.base.encode(response)
        return Response(body, status=status, headers=headers)

    def preflight(self) -> Response | None:
        answer = self.base.preflight(request.method, request.headers)
        return None if answer is None else Response(status=answer[0], headers=answer[1])

    def add_cors(self, response: Response) -> Response:
        response.headers.update(self.base.cors(request.method, request.headers))
        return response

    def http_error(self, error: HTTPException) -> Response:
        return self.reply(self.base.http_error(error.code or 500, dict(error.get_headers())))

    def unhandled(self, error: Exception) -> Response:
        return self.reply(self.base.unhandled(error))

    # -- Socket.IO -------------------------------------------------------------------------

    def connect(self, sid: str, _environ: object, auth: object = None) -> None:
        try:
            self.base.connect(sid, auth)
        except Refused as refused:
            raise ConnectionRefusedError(refused.body["error"], refused.body) from None
        if self.sweeper is None:
            self.sweeper = self.sio.start_background_task(self.sweep)

    def disconnect(self, sid: str, *_reason: object) -> None:
        self.emit_all(self.base.disconnect(sid))

    def event(self, name: str, sid: str, *args: object) -> dict[str, Any]:
        step = self.base.event(name, sid, args)
        if isinstance(step, Batched):
            step = finish(step, self.batcher.submit(step.command))
        return self.apply(sid, step)

    def apply(self, sid: str, result: SocketResult) -> dict[str, Any]:
        if room := self.base.may_enter(sid, result):
            self.sio.enter_room(sid, room)
        if result.exit:
            self.sio.leave_room(sid, result.exit)
        self.emit_all(result.emits)
        return result.ack

    def emit_all(self, emits: list[Emit]) -> None:
        for item in emits:
            self.sio.emit(item.event, item.data, to=item.to)

    def sweep(self) -> None:
        """Once a second: cut off stalled polling clients and end expired connections."""
        while True:  # never ends: one failure must not stop the sweeping
            self.sio.sleep(EXPIRY_SWEEP_S)
            sweep_polling(self.sio, self.base.backlog)
            for sid in self.base.expired():
                try:
                    self.end(sid)
                except Exception:
                    log.exception("could not end an expired connection")

    def end(self, sid: str) -> None:
        try:
            self.sio.disconnect(sid)  # runs disconnect: presence is updated
        finally:
            # Whatever became of the socket, its access ends here (a no-op when the
            # disconnect handler has already run).
            self.emit_all(self.base.disconnect(sid))
