"""Idempotent sends and gap-free recovery (issue 19, points 1-3), on both runtimes and every
storage: a `client_id` repeated (REST, socket, concurrently) is one stored message, one
broadcast, one `message_id`; every visible change carries the room's `offset` and `epoch`;
a client that rejoins with `since` gets exactly the changes it missed, in order, or
`recovered: false` and a reason (another epoch, over SECURECHAT_RECOVERY_LIMIT, pruned)."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import httpx
import pytest
import socketio

from tests.contract.client import Api, Room
from tests.contract.wire import RawSocketIO

LIMIT = 20  # small, so that a test goes past it quickly
SERVER_ENV = {"SECURECHAT_RECOVERY_LIMIT": str(LIMIT)}
CHANGES = ("message", "message_edited", "message_deleted", "reaction_update", "history_cleared")
THUMBS = "\U0001f44d"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(api: Api, room: Room, token: str, text: str, client_id: str) -> httpx.Response:
    body = {"message": text, "client_id": client_id}
    return api.http.post(f"/chat/{room.room_id}", json=body, headers=_bearer(token))


def _history(api: Api, room: Room) -> list[dict[str, Any]]:
    response = api.messages(room.room_id, room.admin_token, limit=100)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def _changes(client: socketio.SimpleClient, count: int) -> list[tuple[str, Any]]:
    """The next `count` changes this socket receives (presence and the like skipped)."""
    seen: list[tuple[str, Any]] = []
    while len(seen) < count:
        name, *args = client.receive(timeout=5)
        if name in CHANGES:
            seen.append((name, args[0]))
    return seen


def _no_change(client: socketio.SimpleClient) -> None:
    """No further change reaches this socket (within a second)."""
    with pytest.raises((TimeoutError, socketio.exceptions.TimeoutError)):
        while client.receive(timeout=1.0)[0] not in CHANGES:
            pass


def _join(client: socketio.SimpleClient, room: Room, **more: Any) -> dict[str, Any]:
    ack = client.call("join", {"room": room.room_id, **more}, timeout=5)
    assert ack["ok"] is True, ack
    return ack  # type: ignore[no-any-return]


# -- idempotent sends -----------------------------------------------------------------------


def test_a_rest_repeat_is_one_message_one_broadcast_one_id(api: Api) -> None:
    room = api.create_room()
    alice = api.verify(room, "alice")
    with api.socket(api.token(room, "watcher")) as watcher:
        _join(watcher, room)
        first = _post(api, room, alice["token"], "once", "key-1")
        again = _post(api, room, alice["token"], "once", "key-1")

        assert first.status_code == 201, first.text
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        [(name, data)] = _changes(watcher, 1)
        assert (name, data["id"]) == ("message", first.json()["message_id"])
        _no_change(watcher)
    assert [m["id"] for m in _history(api, room)] == [first.json()["message_id"]]


def test_a_socket_repeat_is_one_message_one_broadcast_one_id(api: Api) -> None:
    room = api.create_room()
    with api.socket(api.token(room, "alice")) as alice, api.socket(api.token(room)) as watcher:
        _join(alice, room)
        _join(watcher, room)
        send = {"room": room.room_id, "message": "once", "client_id": "k_2"}

        first = alice.call("message", send, timeout=5)
        again = alice.call("message", send, timeout=5)

        assert first["ok"] is True and again["ok"] is True, (first, again)
        assert again["message_id"] == first["message_id"]
        [(name, data)] = _changes(watcher, 1)
        assert (name, data["id"]) == ("message", first["message_id"])
        _no_change(watcher)
    assert [m["id"] for m in _history(api, room)] == [first["message_id"]]


def test_concurrent_repeats_store_one_message(api: Api) -> None:
    room = api.create_room()
    token = api.token(room, "alice")
    keys = [f"race-{i}" for i in range(4)]
    copies = 4
    answers: list[tuple[str, int, str]] = []
    barrier = threading.Barrier(len(keys) * copies)
    lock = threading.Lock()

    def send(key: str) -> None:
        with httpx.Client(base_url=api.base_url, timeout=10) as http:
            barrier.wait(timeout=10)
            body = {"message": f"text of {key}", "client_id": key}
            response = http.post(f"/chat/{room.room_id}", json=body, headers=_bearer(token))
        with lock:
            answers.append((key, response.status_code, response.json().get("message_id", "")))

    threads = [threading.Thread(target=send, args=(k,)) for k in keys for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == len(keys) * copies
    for key in keys:
        mine = [(status, message_id) for k, status, message_id in answers if k == key]
        assert sorted(status for status, _ in mine) == [200] * (copies - 1) + [201], mine
        assert len({message_id for _, message_id in mine}) == 1
    stored = _history(api, room)
    assert sorted(m["message"] for m in stored) == sorted(f"text of {k}" for k in keys)


@pytest.mark.parametrize("client_id", ["a" * 65, "", "abc\n", "a b", "ａbc", "é", "a/b", 7, ["k"]])
def test_a_malformed_client_id_is_refused_and_changes_nothing(api: Api, client_id: Any) -> None:
    room = api.create_room()
    token = api.token(room, "alice")
    response = api.http.post(
        f"/chat/{room.room_id}",
        json={"message": "hi", "client_id": client_id},
        headers=_bearer(token),
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_field"
    with api.socket(token) as client:
        _join(client, room)
        ack = client.call(
            "message", {"room": room.room_id, "message": "hi", "client_id": client_id}, timeout=5
        )
        assert (ack["ok"], ack["code"]) == (False, "invalid_field"), ack
    assert _history(api, room) == []


# -- offsets, epochs, recovery --------------------------------------------------------------


def test_every_change_carries_the_next_offset_and_the_epoch(api: Api) -> None:
    room = api.create_room()
    with api.socket(api.token(room, "alice")) as alice:
        ack = _join(alice, room)
        assert ack["offset"] == 0 and isinstance(ack["epoch"], str) and ack["epoch"]
        sent = alice.call("message", {"room": room.room_id, "message": "hi"}, timeout=5)
        alice.call(
            "reaction",
            {"room": room.room_id, "message_id": sent["message_id"], "reaction": THUMBS},
            timeout=5,
        )
        alice.call(
            "edit",
            {"room": room.room_id, "message_id": sent["message_id"], "message": "hey"},
            timeout=5,
        )
        seen = _changes(alice, 3)
        assert [(n, d["offset"], d["epoch"]) for n, d in seen] == [
            ("message", 1, ack["epoch"]),
            ("reaction_update", 2, ack["epoch"]),
            ("message_edited", 3, ack["epoch"]),
        ]
    [message] = _history(api, room)
    assert message["offset"] == 3  # its last change
    with api.socket(api.token(room)) as late:
        joined = _join(late, room)
        assert (joined["offset"], joined["epoch"]) == (3, ack["epoch"])


def test_a_rejoin_with_since_gets_exactly_what_it_missed_in_order(api: Api) -> None:
    room = api.create_room()
    bob = api.token(room, "bob")
    with api.socket(bob) as writer, api.socket(api.token(room, "eve")) as watcher:
        _join(writer, room)
        _join(watcher, room)
        first = writer.call("message", {"room": room.room_id, "message": "one"}, timeout=5)
        second = writer.call("message", {"room": room.room_id, "message": "two"}, timeout=5)
        with api.socket(api.token(room, "alice")) as alice:
            seen = _join(alice, room)
        assert seen["offset"] == 2

        # While alice is away: a post, an edit, a deletion, a reaction, another post.
        third = writer.call("message", {"room": room.room_id, "message": "three"}, timeout=5)
        writer.call(
            "edit",
            {"room": room.room_id, "message_id": first["message_id"], "message": "one!"},
            timeout=5,
        )
        deleted = api.http.delete(
            f"/chat/{room.room_id}/messages/{second['message_id']}", headers=_bearer(bob)
        )
        assert deleted.status_code == 200
        writer.call(
            "reaction",
            {"room": room.room_id, "message_id": third["message_id"], "reaction": THUMBS},
            timeout=5,
        )
        writer.call("message", {"room": room.room_id, "message": "four"}, timeout=5)
        live = _changes(watcher, 7)[2:]  # what a client that stayed received meanwhile

        with api.socket(api.token(room, "alice")) as back:
            since = {"offset": seen["offset"], "epoch": seen["epoch"]}
            ack = _join(back, room, since=since)

    assert (ack["recovered"], ack["offset"], ack["epoch"]) == (True, 7, seen["epoch"])
    assert [(c["event"], c["data"]) for c in ack["missed"]] == [(n, d) for n, d in live]
    assert [c["data"]["offset"] for c in ack["missed"]] == [3, 4, 5, 6, 7]
    # The same over REST.
    rest = api.http.get(
        f"/chat/{room.room_id}/changes",
        params={"since": 2, "epoch": seen["epoch"]},
        headers=_bearer(bob),
    )
    assert rest.status_code == 200, rest.text
    assert rest.json() == {
        "changes": ack["missed"],
        "offset": 7,
        "epoch": seen["epoch"],
        "recovered": True,
    }


def test_a_clear_while_away_is_recovered_without_what_it_cleared(api: Api) -> None:
    room = api.create_room()
    with api.socket(api.token(room, "alice")) as alice:
        seen = _join(alice, room)
    token = api.token(room, "bob")
    assert api.post(room.room_id, token, "before").status_code == 201
    cleared = api.http.post(f"/chat/{room.room_id}/clear", headers=_bearer(room.admin_token))
    assert cleared.status_code == 200, cleared.text
    after = api.post(room.room_id, token, "after").json()["message_id"]
    with api.socket(api.token(room, "alice")) as back:
        since = {"offset": seen["offset"], "epoch": seen["epoch"]}
        ack = _join(back, room, since=since)
    assert ack["recovered"] is True
    assert [(c["event"], c["data"]["offset"]) for c in ack["missed"]] == [
        ("history_cleared", 2),
        ("message", 3),
    ]
    assert ack["missed"][1]["data"]["id"] == after


def test_past_the_limit_or_pruned_or_of_another_epoch_is_not_recovered(api: Api) -> None:
    room = api.create_room()
    token = api.token(room, "bob")
    with api.socket(token) as client:
        epoch = _join(client, room)["epoch"]
    for i in range(LIMIT + 1):
        assert api.post(room.room_id, token, f"m{i}").status_code == 201

    def rejoin(offset: int, of: str) -> dict[str, Any]:
        with api.socket(api.token(room)) as again:
            return _join(again, room, since={"offset": offset, "epoch": of})

    over = rejoin(0, epoch)  # LIMIT + 1 changes, all still kept
    assert (over["recovered"], over["reason"], over["offset"]) == (False, "too_many_changes", 21)
    assert "missed" not in over
    assert rejoin(1, epoch)["recovered"] is True  # exactly LIMIT
    for i in range(LIMIT):
        assert api.post(room.room_id, token, f"n{i}").status_code == 201
    pruned = rejoin(0, epoch)  # the first changes are no longer kept
    assert (pruned["recovered"], pruned["reason"]) == (False, "changes_pruned")
    assert rejoin(0, "another")["reason"] == "epoch_changed"
    assert rejoin(999, epoch)["reason"] == "epoch_changed"  # an offset never given
    # Deleted and re-created under the same id: another stream.
    deleted = api.http.post(
        "/admin/delete_room", json={"room_id": room.room_id}, headers=_bearer(room.admin_token)
    )
    assert deleted.status_code == 200, deleted.text
    again = api.create_room(room.room_id)
    with api.socket(api.token(again)) as client:
        ack = _join(client, again, since={"offset": 0, "epoch": epoch})
    assert (ack["recovered"], ack["reason"]) == (False, "epoch_changed")
    assert ack["epoch"] != epoch and ack["offset"] == 0


@pytest.mark.parametrize(
    "since",
    [
        {"offset": -1, "epoch": "e"},
        {"offset": "1", "epoch": "e"},
        {"offset": 1.5, "epoch": "e"},
        {"offset": True, "epoch": "e"},
        {"offset": 1},
        {"epoch": "e"},
        {"offset": 1, "epoch": "e", "more": 1},
        {"offset": 1, "epoch": 7},
        {"offset": 1, "epoch": "e" * 65},
        {"offset": 10**16, "epoch": "e"},
        [1, "e"],
        "1",
    ],
)
def test_a_malformed_since_is_refused_and_joins_nothing(api: Api, since: Any) -> None:
    room = api.create_room()
    with api.socket(api.token(room, "alice")) as client:
        ack = client.call("join", {"room": room.room_id, "since": since}, timeout=5)
        assert ack["ok"] is False and ack["code"] in {
            "invalid_field",
            "missing_field",
            "unexpected_field",
        }, ack
        # Not in the room: a send is refused as not joined.
        sent = client.call("message", {"room": room.room_id, "message": "hi"}, timeout=5)
        assert sent["code"] == "not_joined"


def test_offsets_are_given_once_under_concurrent_senders(api: Api) -> None:
    room = api.create_room()
    tokens = [api.token(room, f"s{i}") for i in range(4)]

    def send(token: str) -> None:
        with httpx.Client(base_url=api.base_url, timeout=10) as http:
            for i in range(5):
                body = {"message": f"m{i}", "client_id": secrets.token_hex(8)}
                http.post(f"/chat/{room.room_id}", json=body, headers=_bearer(token))

    threads = [threading.Thread(target=send, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with api.socket(tokens[0]) as client:
        ack = _join(client, room, since={"offset": 0, "epoch": _join(client, room)["epoch"]})
    assert ack["recovered"] is True
    assert [c["data"]["offset"] for c in ack["missed"]] == list(range(1, 21))
    assert sorted(m["offset"] for m in _history(api, room)) == list(range(1, 21))


# -- raw frames ---------------------------------------------------------------------------------


def _raw_ack(raw: RawSocketIO, ack: int, payload: str) -> dict[str, Any]:
    """Send `42<ack><payload>` exactly as written (escapes and all); the ack's object."""
    raw.send_text(f"42{ack}{payload}")
    [body] = raw.ack(ack)
    return body  # type: ignore[no-any-return]


def test_raw_frames_with_a_malformed_client_id_or_since_change_nothing(api: Api) -> None:
    room = api.create_room()
    raw = RawSocketIO(api.base_url)
    try:
        raw.connect(api.token(room, "alice"))
        r = room.room_id
        bad_since = [
            '{"offset":-1,"epoch":"e"}',
            '{"offset":1e400,"epoch":"e"}',
            '{"offset":"1","epoch":"e"}',
            '{"offset":1,"epoch":"e","epoch2":1}',
            '{"offset":1}',
            '[1,"e"]',
        ]
        for ack, since in enumerate(bad_since, start=1):
            body = _raw_ack(raw, ack, f'["join",{{"room":"{r}","since":{since}}}]')
            assert body["ok"] is False, (since, body)
        # Not joined by any of them.
        assert _raw_ack(raw, 50, f'["message",{{"room":"{r}","message":"x"}}]')["code"] == (
            "not_joined"
        )
        joined = _raw_ack(raw, 51, f'["join",{{"room":"{r}"}}]')
        assert joined["ok"] is True and joined["offset"] == 0
        bad_ids = [
            '"' + "a" * 65 + '"',  # one too many
            '"\\u0061bc\\n"',  # escaped, with a newline after
            '"abc\\u0000"',
            '"\\uff41bc"',  # a full-width a
            '"a\\/b"',
            '"a b"',
            '""',
            "12",
            "true",
            '["a"]',
        ]
        for ack, client_id in enumerate(bad_ids, start=60):
            payload = f'["message",{{"room":"{r}","message":"x","client_id":{client_id}}}]'
            body = _raw_ack(raw, ack, payload)
            assert (body["ok"], body["code"]) == (False, "invalid_field"), (client_id, body)
        assert _history(api, room) == []
        # An escaped spelling of a valid key is that key: decided on what it decodes to.
        first = _raw_ack(raw, 80, f'["message",{{"room":"{r}","message":"x","client_id":"abc"}}]')
        again = _raw_ack(
            raw, 81, f'["message",{{"room":"{r}","message":"x","client_id":"\\u0061\\u0062c"}}]'
        )
        assert first["ok"] is True and again["message_id"] == first["message_id"]
        assert len(_history(api, room)) == 1
    finally:
        raw.close()
