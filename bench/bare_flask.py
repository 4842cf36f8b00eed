"""The ceiling of the Flask stack: a bare join-and-broadcast Flask-SocketIO server.

Same server setup as ours (gevent pywsgi, simple-websocket, TCP_NODELAY, the coalescing
Outbox), no auth, no storage, no encryption. `POST /chat/<room>` appends the message to a
list and emits it to the room, as a naive server does. Prints the same ready line as
`securechat serve`.
"""

import gevent
from gevent import monkey

gevent.config.track_greenlet_tree = False  # as `securechat serve` sets it
monkey.patch_all()

import socket  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

from entrypoints.flask.server import WebSocketAwareHandler  # noqa: E402

app = Flask(__name__)
sio = SocketIO(app, async_mode="gevent", cors_allowed_origins=None)


@sio.on("join")
def on_join(data: dict[str, Any]) -> dict[str, Any]:
    join_room(data["room"])
    return {"ok": True, "status": "success"}


@sio.on("message")
def on_message(data: dict[str, Any]) -> dict[str, Any]:
    event = {
        "id": "0",
        "room_id": data["room"],
        "user_id": "u",
        "username": "u",
        "message": data["message"],
        "timestamp": "0",
    }
    sio.emit("message", event, to=data["room"])
    return {"ok": True, "status": "success", "message_id": "0"}


@sio.on("typing")
def on_typing(data: dict[str, Any]) -> dict[str, Any]:
    users = [{"user_id": "u", "username": "u", "guest": True}] if data["is_typing"] else []
    sio.emit("typing_status", {"room": data["room"], "typing_users": users}, to=data["room"])
    return {"ok": True, "status": "success"}


def rest_routes(messages: list[dict[str, Any]]) -> None:
    """The naive REST post: no token, no storage but `messages`, one emit to the room."""

    @app.post("/chat/<room>")
    def post_message(room: str) -> tuple[dict[str, Any], int]:
        data = request.get_json()
        event = {
            "id": str(len(messages)),
            "room_id": room,
            "user_id": "u",
            "username": "u",
            "message": data["message"],
            "timestamp": "0",
        }
        messages.append(event)
        sio.emit("message", event, to=room)
        return {"message_id": event["id"]}, 201


if __name__ == "__main__":
    rest_routes([])
    listener = socket.create_server(
        ("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), backlog=4096
    )
    server = WSGIServer(listener, app, handler_class=WebSocketAwareHandler, log=None)
    server.start()
    print(
        f"securechat: serving bare-flask on http://127.0.0.1:{listener.getsockname()[1]}",
        flush=True,
    )
    server.serve_forever()
