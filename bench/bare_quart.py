"""The ceiling of the Quart stack: a bare join-and-broadcast python-socketio ASGI server.

Same server and delivery path as ours (uvicorn with our coalescing WebSocket protocol, our
inline broadcast manager, Quart behind socketio.ASGIApp), no auth, no storage, no
encryption. `POST /chat/<room>` (a Quart route) appends the message to a list and emits it
to the room, as a naive server does. Prints the same ready line as `securechat serve`.
"""

import asyncio
import socket
import sys
from typing import Any

import socketio
import uvicorn
from quart import Quart, request

from entrypoints.quart.manager import InlineAsyncManager
from entrypoints.quart.outbox import CoalescingHttpProtocol, CoalescingWebSocketProtocol

sio = socketio.AsyncServer(
    async_mode="asgi", cors_allowed_origins=None, client_manager=InlineAsyncManager()
)
web = Quart(__name__)
app = socketio.ASGIApp(sio, other_asgi_app=web)


@sio.on("join")
async def on_join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    await sio.enter_room(sid, data["room"])
    return {"ok": True, "status": "success"}


@sio.on("message")
async def on_message(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    event = {
        "id": "0",
        "room_id": data["room"],
        "user_id": "u",
        "username": "u",
        "message": data["message"],
        "timestamp": "0",
    }
    await sio.emit("message", event, to=data["room"])
    return {"ok": True, "status": "success", "message_id": "0"}


@sio.on("typing")
async def on_typing(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    users = [{"user_id": "u", "username": "u", "guest": True}] if data["is_typing"] else []
    await sio.emit("typing_status", {"room": data["room"], "typing_users": users}, to=data["room"])
    return {"ok": True, "status": "success"}


def rest_routes(messages: list[dict[str, Any]]) -> None:
    """The naive REST post: no token, no storage but `messages`, one emit to the room."""

    @web.post("/chat/<room>")
    async def post_message(room: str) -> tuple[dict[str, Any], int]:
        data = await request.get_json()
        event = {
            "id": str(len(messages)),
            "room_id": room,
            "user_id": "u",
            "username": "u",
            "message": data["message"],
            "timestamp": "0",
        }
        messages.append(event)
        await sio.emit("message", event, to=room)
        return {"message_id": event["id"]}, 201


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        assert sockets  # given by the caller below
        port = sockets[0].getsockname()[1]
        print(f"securechat: serving bare-quart on http://127.0.0.1:{port}", flush=True)


if __name__ == "__main__":
    rest_routes([])
    listener = socket.create_server(
        ("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), backlog=4096
    )
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        http=CoalescingHttpProtocol,
        ws=CoalescingWebSocketProtocol,
    )
    asyncio.run(_Server(config).serve(sockets=[listener]))
