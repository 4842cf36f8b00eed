"""A Flask node and a Quart node on one Redis and one Postgres are one chat (issue 20).

Two real servers on loopback, each its own process, sharing a Postgres schema, the keys and
a Redis prefix of this module's own (parallel workers never meet on the shared Redis):
clients on either node see each other's messages, presence and typing; a ban or a logout
on one node ends the sockets on the other within a second; rate limits count across both;
and when one node is killed (SIGKILL), nothing it acknowledged is lost and its clients
recover on the other with `since`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from cryptography.fernet import Fernet

from adapters.sqlalchemy import migrations
from tests.conftest import REDIS_URL, drop_redis_prefix, fresh_postgres_schema
from tests.contract.client import Api, Room, receive_until, wait_disconnected
from tests.contract.harness import UNLIMITED_ENOUGH, ServerProcess

TYPING_S = 2
LOGIN_LIMIT = 4  # sign-ins a minute from one address, counted by both nodes together


class Cluster:
    def __init__(self, flask: ServerProcess, quart: ServerProcess) -> None:
        self.flask, self.quart = flask, quart
        self.on_flask, self.on_quart = Api(flask.url), Api(quart.url)

    def close(self) -> None:
        self.on_flask.close()
        self.on_quart.close()


@pytest.fixture(scope="module")
def cluster(
    postgres_available: None, redis_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    prefix = "test-" + secrets.token_hex(6)
    env = {
        "SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48),
        "SECURECHAT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SECURECHAT_REDIS_URL": REDIS_URL,
        "SECURECHAT_REDIS_PREFIX": prefix,
        "SECURECHAT_TYPING_SECONDS": str(TYPING_S),
        "SECURECHAT_RATE_LIMITS": f"{UNLIMITED_ENOUGH};login_ip={LOGIN_LIMIT}/minute",
    }
    root: Path = tmp_path_factory.mktemp("cluster")
    for url in fresh_postgres_schema():
        migrations.upgrade(url)
        flask = ServerProcess("flask", root / "flask", url, env).start()
        quart = ServerProcess("quart", root / "quart", url, env).start()
        nodes = Cluster(flask, quart)
        try:
            yield nodes
        finally:
            nodes.close()
            flask.stop()
            quart.stop()
            drop_redis_prefix(REDIS_URL, prefix)
        for node in (flask, quart):
            assert "Traceback" not in node.stderr_text(), node.stderr_text()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _joined(api: Api, token: str, room: Room, **more: Any) -> tuple[socketio.SimpleClient, Any]:
    client = api.socket(token)
    ack = client.call("join", {"room": room.room_id, **more}, timeout=5)
    assert ack["ok"] is True, ack
    return client, ack


def _message(client: socketio.SimpleClient, text: str) -> dict[str, Any]:
    """The `message` event carrying `text` (a sender hears its own messages too)."""
    deadline = time.monotonic() + 5
    while True:
        event: dict[str, Any] = receive_until(
            client, "message", max(0.1, deadline - time.monotonic())
        )
        if event["message"] == text:
            return event


def _names(users: list[dict[str, Any]]) -> list[str]:
    return sorted(user["username"] for user in users)


def test_messages_presence_and_typing_cross_the_nodes(cluster: Cluster) -> None:
    room = cluster.on_flask.create_room()
    anna, bert = cluster.on_flask.verify(room, "anna"), cluster.on_quart.verify(room, "bert")
    a, _ = _joined(cluster.on_flask, anna["token"], room)
    try:
        b, joined = _joined(cluster.on_quart, bert["token"], room)
        try:
            # bert, on the Quart node, is told anna (on the Flask node) is there; anna hears
            # of bert's arrival from the Quart node's flush.
            assert _names(receive_until(b, "presence")["users"]) == ["anna", "bert"]
            deadline = time.monotonic() + 5
            while True:
                update = receive_until(a, "presence_update", max(0.1, deadline - time.monotonic()))
                if "bert" in _names(update["joined"]):
                    break
            assert update["count"] == 2
            listed = cluster.on_flask.http.get(
                f"/chat/{room.room_id}/presence", headers=_bearer(anna["token"])
            )
            assert _names(listed.json()["users"]) == ["anna", "bert"]

            # Messages both ways, each once, with the offsets of one stream.
            sent = a.call("message", {"room": room.room_id, "message": "from flask"}, timeout=5)
            assert sent["ok"] is True, sent
            heard = _message(b, "from flask")
            assert heard["offset"] == joined["offset"] + 1
            back = b.call("message", {"room": room.room_id, "message": "from quart"}, timeout=5)
            assert back["ok"] is True, back
            assert _message(a, "from quart")["offset"] == joined["offset"] + 2
            rest = cluster.on_flask.post(room.room_id, anna["token"], "over rest")
            assert rest.status_code == 201, rest.text
            assert _message(b, "over rest")["offset"] == joined["offset"] + 3

            # Typing on one node is shown on the other, and ends by itself once (told by
            # whichever node's sweep ended it).
            typing = b.call("typing", {"room": room.room_id, "is_typing": True}, timeout=5)
            assert typing["ok"] is True, typing
            shown = receive_until(a, "typing_status")
            assert _names(shown["typing_users"]) == ["bert"]
            ended = receive_until(a, "typing_status", timeout=TYPING_S + 4)
            assert ended["typing_users"] == []

            b.disconnect()
            deadline = time.monotonic() + 5
            while True:
                update = receive_until(a, "presence_update", max(0.1, deadline - time.monotonic()))
                if "bert" in _names(update["left"]):
                    break
            assert update["count"] == 1
        finally:
            b.disconnect()
    finally:
        a.disconnect()


def test_a_ban_on_one_node_ends_the_socket_on_the_other_within_a_second(
    cluster: Cluster,
) -> None:
    room = cluster.on_flask.create_room()
    guest = cluster.on_quart.verify(room, "mallory")
    socket, _ = _joined(cluster.on_quart, guest["token"], room)
    try:
        began = time.monotonic()
        banned = cluster.on_flask.http.post(
            f"/admin/rooms/{room.room_id}/ban",
            json={"user_id": guest["user_id"]},
            headers=_bearer(room.admin_token),
        )
        assert banned.status_code == 200, banned.text
        told = receive_until(socket, "banned", timeout=2)
        assert told == {"room": room.room_id, "reason": "banned"}
        assert time.monotonic() - began < 1.0
        ack = socket.call("message", {"room": room.room_id, "message": "still here?"}, timeout=5)
        assert ack["ok"] is False, ack
    finally:
        socket.disconnect()


def test_a_logout_on_one_node_ends_the_socket_on_the_other_within_a_second(
    cluster: Cluster,
) -> None:
    name = "u" + secrets.token_hex(5)
    body = {"username": name, "password": "a long enough password"}
    account = cluster.on_flask.http.post("/auth/register", json=body)
    assert account.status_code == 201, account.text
    tokens = account.json()
    socket = cluster.on_quart.socket(tokens["access_token"])
    try:
        began = time.monotonic()
        out = cluster.on_flask.http.post(
            "/auth/logout", json={"refresh_token": tokens["refresh_token"]}
        )
        assert out.status_code == 200, out.text
        assert receive_until(socket, "session_ended", timeout=2) == {"reason": "logged_out"}
        assert wait_disconnected(socket, 2)
        assert time.monotonic() - began < 1.5  # told within a second, then cut
    finally:
        socket.disconnect()


def test_rate_limits_count_across_both_nodes(cluster: Cluster) -> None:
    body = {"username": "nobody-" + secrets.token_hex(4), "password": "not the password"}
    statuses = []
    for attempt in range(LOGIN_LIMIT + 2):
        api = cluster.on_flask if attempt % 2 == 0 else cluster.on_quart
        statuses.append(api.http.post("/auth/login", json=body).status_code)
    # LOGIN_LIMIT attempts between the two nodes, then refused on either.
    assert statuses[:LOGIN_LIMIT] == [401] * LOGIN_LIMIT, statuses
    assert statuses[LOGIN_LIMIT:] == [429, 429], statuses


def test_a_killed_node_loses_nothing_acknowledged_and_its_clients_recover_on_the_other(
    cluster: Cluster,
) -> None:
    """Last in the module: it kills the Quart node."""
    room = cluster.on_flask.create_room()
    writer_token = cluster.on_flask.token(room, "writer")
    reader_token = cluster.on_quart.token(room, "reader")
    writer, _ = _joined(cluster.on_flask, writer_token, room)
    try:
        reader, _ = _joined(cluster.on_quart, reader_token, room)
        acked = []
        for text in ("one", "two"):
            ack = writer.call("message", {"room": room.room_id, "message": text}, timeout=5)
            assert ack["ok"] is True, ack
            acked.append(text)
        for text in ("three", "four"):  # acknowledged by the node about to die
            ack = reader.call("message", {"room": room.room_id, "message": text}, timeout=5)
            assert ack["ok"] is True, ack
            acked.append(text)
        event = _message(reader, "four")
        seen = {"offset": event["offset"], "epoch": event["epoch"]}

        cluster.quart.kill()
        reader.disconnect()  # its node is gone (the client's own retries would find nothing)
        for text in ("five", "six"):  # while the reader is away
            ack = writer.call("message", {"room": room.room_id, "message": text}, timeout=5)
            assert ack["ok"] is True, ack
            acked.append(text)

        # The reader comes back on the surviving node and asks for what it missed.
        again, rejoined = _joined(cluster.on_flask, reader_token, room, since=seen)
        try:
            assert rejoined["recovered"] is True, rejoined
            missed = [c["data"]["message"] for c in rejoined["missed"] if c["event"] == "message"]
            assert missed == ["five", "six"]
        finally:
            again.disconnect()
        assert cluster.on_flask.texts(room.room_id, writer_token) == acked
        # The dead node's connection is not listed for ever: once its sweeps have not been
        # heard of for a while (NODE_TIMEOUT_MS), the live node forgets it, and the room
        # hears the reader leave (its tab on the live node is closed by now).
        deadline = time.monotonic() + 40
        while True:
            update = receive_until(writer, "presence_update", max(0.1, deadline - time.monotonic()))
            if "reader" in _names(update["left"]):
                break
        assert _names(
            cluster.on_flask.http.get(
                f"/chat/{room.room_id}/presence", headers=_bearer(writer_token)
            ).json()["users"]
        ) == ["writer"]
    finally:
        writer.disconnect()
