"""The Flask runtime's handlers: its request in, common's steps performed, its response out.

Every handler is written once in common (ServerBase's steps); this shell performs them with
blocking calls in the request's or event's own greenlet (they yield to the gevent hub;
argon2 waits on its own threads), so a step's lane needs nothing here.
"""

from __future__ import annotations

from typing import Any, TypeVar

import socketio
from flask import Response, request
from socketio.exceptions import ConnectionRefusedError
from werkzeug.exceptions import HTTPException

from entrypoints.common import steps as st
from entrypoints.common.batching import SendCommand, SendResult
from entrypoints.common.http_types import HttpRequest, Route
from entrypoints.common.server_base import RawReply, ServerBase
from entrypoints.common.socket_connections import Refused
from entrypoints.common.steps import drive as drive_steps
from entrypoints.flask.batching import GeventBatcher
from entrypoints.flask.transport import end_session

T = TypeVar("T")


class FlaskShell:
    def __init__(self, base: ServerBase, sio: socketio.Server) -> None:
        self.base = base
        self.sio = sio
        self.batcher: GeventBatcher[SendCommand, SendResult] = GeventBatcher(base.send_batch)

    def drive(self, steps: st.Steps[T]) -> T:
        """Perform `steps` to the end, blocking this greenlet (common/steps.py's `drive`)."""
        return drive_steps(steps, self.perform)

    def perform(self, effect: st.Effect) -> Any:
        match effect:
            case st.Emit(event, data, to):
                return self.sio.emit(event, data, to=to)
            case st.Call(_, fn, args):
                return fn(*args)
            case st.Io(fn, args):
                return fn(*args)
            case st.Submit(command):
                return self.batcher.submit(command)
            case st.Enter(sid, room):
                return self.sio.enter_room(sid, room)
            case st.Leave(sid, room):
                return self.sio.leave_room(sid, room)
            case st.Sleep(seconds):
                return self.sio.sleep(seconds)
            case st.Disconnect(sid):
                return self.sio.disconnect(sid)
            case st.EndSession(eio_sid):
                return end_session(self.sio, eio_sid)
            case st.StartSweep():
                steps = self.base.sweep_steps(self.sio.eio.sockets, self.connected)
                return self.sio.start_background_task(self.drive, steps)
        raise TypeError(f"not a step: {effect!r}")

    def connected(self, eio_sid: str) -> bool:
        """Whether an Engine.IO session has made its Socket.IO connection."""
        return self.sio.manager.sid_from_eio_sid(eio_sid, "/") is not None

    # -- HTTP ------------------------------------------------------------------------------

    def view(self, route: Route, **params: str) -> Response:
        body = request.get_data(cache=False) if route.body is not None else b""
        query, peer = request.args.to_dict(), request.remote_addr or ""
        http_request = HttpRequest(
            request.method,
            params,
            query,
            request.headers,
            body,
            peer,
            scheme=request.scheme,
            host=request.host,
        )
        return self.response(self.drive(self.base.view_steps(route, http_request)))

    @staticmethod
    def response(reply: RawReply) -> Response:
        status, body, headers = reply
        return Response(body, status=status, headers=headers)

    def preflight(self) -> Response | None:
        answer = self.base.preflight(request.method, request.headers)
        return None if answer is None else Response(status=answer[0], headers=answer[1])

    def add_cors(self, response: Response) -> Response:
        response.headers.update(self.base.cors(request.method, request.headers))
        return response

    def http_error(self, error: HTTPException) -> Response:
        steps = self.base.reply_steps(
            self.base.http_error(error.code or 500, dict(error.get_headers()))
        )
        return self.response(self.drive(steps))

    def unhandled(self, error: Exception) -> Response:
        return self.response(self.drive(self.base.reply_steps(self.base.unhandled(error))))

    # -- Socket.IO -------------------------------------------------------------------------

    def connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        try:
            self.drive(self.base.connect_steps(sid, auth, environ))
        except Refused as refused:
            raise ConnectionRefusedError(refused.body["error"], refused.body) from None

    def disconnect(self, sid: str, *_reason: object) -> None:
        self.drive(self.base.disconnect_steps(sid))

    def event(self, name: str, sid: str, *args: object) -> dict[str, Any]:
        return self.drive(self.base.event_steps(name, sid, args))
