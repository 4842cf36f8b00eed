"""Pruning, on both runtimes and every storage: with a message limit of 5 (the server's
SECURECHAT_MESSAGE_LIMIT, or a room's own setting), the sixth message removes the oldest
from storage. On SQLite and Postgres the messages table is read directly; the memory
store is checked through the API's count (and tests/adapters/test_message_pruning.py)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.contract.client import Api, receive_until

LIMIT = 5


# conftest's server, with this setting.
SERVER_ENV = {"SECURECHAT_MESSAGE_LIMIT": str(LIMIT)}


def _stored_ids(database: str, room_id: str) -> list[str] | None:
    """The room's message ids in the database itself, oldest first (None: memory)."""
    if database == "memory":
        return None
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id FROM messages WHERE room_id = :room ORDER BY id"),
                {"room": room_id},
            )
            return [str(row[0]) for row in rows]
    finally:
        engine.dispose()


def _post(api: Api, room_id: str, token: str, text_: str) -> str:
    response = api.post(room_id, token, text_)
    assert response.status_code == 201, response.text
    return str(response.json()["message_id"])


def _count(api: Api, room_id: str, admin_token: str) -> int:
    """How many messages the store holds for the room (the dashboard counts storage)."""
    response = api.http.get(
        f"/admin/rooms/{room_id}", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["message_count"])


def _set_limit(api: Api, room_id: str, admin_token: str, limit: int | None) -> None:
    response = api.http.patch(
        f"/admin/rooms/{room_id}/settings",
        json={"message_limit": limit},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["settings"]["message_limit"] == limit


def test_the_sixth_message_removes_the_oldest_from_storage(api: Api, database: str) -> None:
    room = api.create_room()
    token = api.token(room)
    ids = [_post(api, room.room_id, token, f"m{n}") for n in range(1, LIMIT + 1)]
    assert api.texts(room.room_id, token) == ["m1", "m2", "m3", "m4", "m5"]
    assert _stored_ids(database, room.room_id) in (None, ids)

    ids.append(_post(api, room.room_id, token, "m6"))
    assert api.texts(room.room_id, token) == ["m2", "m3", "m4", "m5", "m6"]
    assert _count(api, room.room_id, room.admin_token) == LIMIT
    stored = _stored_ids(database, room.room_id)
    if stored is not None:  # gone from the table, not only from the page
        assert stored == ids[1:] and ids[0] not in stored


def test_a_rooms_own_limit_wins_over_the_configured_one(api: Api, database: str) -> None:
    tight, loose = api.create_room(), api.create_room()
    _set_limit(api, tight.room_id, tight.admin_token, 2)
    _set_limit(api, loose.room_id, loose.admin_token, 8)
    tight_token, loose_token = api.token(tight), api.token(loose)
    tight_ids = [_post(api, tight.room_id, tight_token, f"t{n}") for n in range(1, 4)]
    loose_ids = [_post(api, loose.room_id, loose_token, f"l{n}") for n in range(1, 8)]
    assert api.texts(tight.room_id, tight_token) == ["t2", "t3"]
    assert api.texts(loose.room_id, loose_token) == [f"l{n}" for n in range(1, 8)]
    assert _count(api, tight.room_id, tight.admin_token) == 2
    assert _count(api, loose.room_id, loose.admin_token) == 7
    assert _stored_ids(database, tight.room_id) in (None, tight_ids[1:])
    assert _stored_ids(database, loose.room_id) in (None, loose_ids)
    # Back to the server's limit: the next message leaves the newest 5.
    _set_limit(api, loose.room_id, loose.admin_token, None)
    loose_ids.append(_post(api, loose.room_id, loose_token, "l8"))
    assert api.texts(loose.room_id, loose_token) == [f"l{n}" for n in range(4, 9)]
    assert _stored_ids(database, loose.room_id) in (None, loose_ids[-LIMIT:])


def test_socket_messages_are_pruned_alike(api: Api, database: str) -> None:
    room = api.create_room()
    token = api.token(room)
    client = api.socket(token)
    try:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"]
        for n in range(1, 8):
            ack = client.call("message", {"room": room.room_id, "message": f"s{n}"}, timeout=5)
            assert ack["ok"], ack
            # Every message is broadcast as before: pruning tells clients nothing new.
            assert receive_until(client, "message")["message"] == f"s{n}"
    finally:
        client.disconnect()
    assert api.texts(room.room_id, token) == [f"s{n}" for n in range(3, 8)]
    assert _count(api, room.room_id, room.admin_token) == LIMIT
    stored = _stored_ids(database, room.room_id)
    assert stored is None or len(stored) == LIMIT
