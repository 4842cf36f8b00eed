"""routes_rooms.py's message entries, called directly: post, list, delete, edit."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.events import MessageDeleted, MessageEdited, MessagePosted
from domain.usecases.deps import CoreConfig
from entrypoints.common.shapes import iso_ms
from entrypoints.common.socket_events import Emit, channel
from tests.support import PASSWORD, BrokenCipher, World
from tests.unit.common.routes.harness import Answered, Http, assert_error, covered, post_text


@covered.success("post_message")
def test_post_message_is_batched_stored_encrypted_and_emitted(http: Http, world: World) -> None:
    http.room("lobby")
    token = http.member("lobby", "alice")

    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "hello"}, token=token
    )

    assert sent.status == 201 and set(sent.body) == {"message_id"}
    assert http.batches == [1]  # the send went through the batch function
    (stored,) = world.store_factory.store.messages["lobby"]
    assert stored.id == sent.body["message_id"]
    assert b"hello" not in stored.ciphertext
    assert world.cipher.decrypt(stored.ciphertext) == b"hello"
    (event,) = sent.events
    assert isinstance(event, MessagePosted) and event.message.id == stored.id
    (emit,) = sent.emits
    assert (emit.event, emit.to) == ("message", channel("lobby"))
    assert emit.data["message"] == "hello" and emit.data["username"] == "alice"


@covered.refusal("post_message")
def test_post_message_without_a_token_is_401_and_stores_nothing(http: Http, world: World) -> None:
    http.room("lobby")
    for token in (None, "garbage"):
        sent = http.call(
            "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
        )
        assert_error(sent, 401, "unauthorized")
    assert http.batches == []  # refused before the batcher
    assert world.store_factory.store.messages == {}


@covered.refusal("post_message")
def test_post_message_with_another_rooms_token_is_403(http: Http, world: World) -> None:
    http.room("lobby")
    http.room("other")
    token = http.member("other")

    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
    )

    assert_error(sent, 403, "forbidden")
    assert world.store_factory.store.messages.get("lobby", []) == []


@covered.refusal("post_message")
def test_post_message_refused_in_its_batch_answers_with_the_domain_error(
    http: Http, world: World
) -> None:
    http.room("lobby")
    token = http.member("lobby")

    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "   "}, token=token
    )

    assert http.batches == [1]
    assert_error(sent, 400, "message_empty")
    assert world.store_factory.store.messages.get("lobby", []) == []


@covered.refusal("post_message")
def test_post_message_whose_batch_fails_is_a_500_and_stores_nothing(
    http: Http, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    http.room("lobby")
    token = http.member("lobby")
    broken = Http(
        dataclasses.replace(world, deps=dataclasses.replace(world.deps, cipher=BrokenCipher()))
    )

    with caplog.at_level("ERROR", logger="securechat.batching"):
        sent = broken.call(
            "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
        )

    assert_error(sent, 500, "internal_error")
    assert "a batch of 1 messages failed" in caplog.text
    assert world.store_factory.store.messages.get("lobby", []) == []


@covered.success("list_messages")
def test_list_messages_pages_the_history_oldest_first(http: Http, world: World) -> None:
    http.room("lobby")
    token = http.member("lobby", "dana")
    ids = []
    for i in range(3):
        world.clock.advance(ms=1)
        sent = http.call(
            "post_message", path={"room_id": "lobby"}, json_body={"message": f"m{i}"}, token=token
        )
        ids.append(sent.body["message_id"])

    newest = http.call(
        "list_messages", path={"room_id": "lobby"}, query={"limit": "2"}, token=token
    )

    assert newest.status == 200
    assert [m["message"] for m in newest.body["messages"]] == ["m1", "m2"]
    assert [m["id"] for m in newest.body["messages"]] == ids[1:]
    assert {m["username"] for m in newest.body["messages"]} == {"dana"}
    assert newest.body["next_before"] == ids[1]
    assert newest.events == [] and newest.emits == []

    older = http.call(
        "list_messages",
        path={"room_id": "lobby"},
        query={"limit": "2", "before": newest.body["next_before"]},
        token=token,
    )
    assert [m["message"] for m in older.body["messages"]] == ["m0"]
    assert older.body["next_before"] is None


@covered.refusal("list_messages")
def test_list_messages_without_a_token_is_401(http: Http) -> None:
    http.room("lobby")
    assert_error(http.call("list_messages", path={"room_id": "lobby"}), 401, "unauthorized")


@covered.refusal("list_messages")
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"limit": "ten"}, "invalid_query"),
        ({"limit": "-1"}, "invalid_query"),
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "101"}, "invalid_limit"),
        ({"before": "not-a-message-id"}, "invalid_cursor"),
    ],
)
def test_list_messages_refuses_a_bad_limit_or_cursor(
    http: Http, query: dict[str, str], code: str
) -> None:
    http.room("lobby")
    token = http.member("lobby")
    got = http.call("list_messages", path={"room_id": "lobby"}, query=query, token=token)
    assert_error(got, 400, code)


@covered.refusal("list_messages")
def test_list_messages_of_another_room_is_403(http: Http) -> None:
    http.room("lobby")
    http.room("other")
    got = http.call("list_messages", path={"room_id": "lobby"}, token=http.member("other"))
    assert_error(got, 403, "forbidden")


@covered.success("post_message")
def test_post_message_with_its_own_user_id_is_accepted_and_marked_guest(
    http: Http, world: World
) -> None:
    http.room("lobby")
    access = http.call(
        "verify_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}
    ).body
    body = {"message": "hello", "user_id": access["user_id"]}
    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body=body, token=access["token"]
    )
    assert sent.status == 201, sent.body
    (emit,) = sent.emits
    assert (emit.data["user_id"], emit.data["guest"]) == (access["user_id"], True)


@covered.refusal("post_message")
def test_post_message_with_another_user_id_is_identity_mismatch_and_stores_nothing(
    http: Http, world: World
) -> None:
    admin = http.room("lobby")
    victim = http.member("lobby", "victim")
    victim_id = world.tokens.verify_room_token(victim).user_id
    for claimed in (victim_id, "u_anyone", ""):
        body = {"message": "I am someone else", "user_id": claimed}
        sent = http.call("post_message", path={"room_id": "lobby"}, json_body=body, token=admin)
        assert_error(sent, 403, "identity_mismatch")
    assert world.store_factory.store.messages.get("lobby", []) == []


@covered.success("delete_message")
def test_delete_message_by_its_sender_and_by_an_admin(http: Http, world: World) -> None:
    admin = http.room()
    guest = http.member()
    mine, theirs = post_text(http, guest, "mine"), post_text(http, guest, "theirs")

    by_sender = http.call(
        "delete_message", path={"room_id": "lobby", "message_id": mine}, token=guest
    )
    by_admin = http.call(
        "delete_message", path={"room_id": "lobby", "message_id": theirs}, token=admin
    )

    assert (by_sender.status, by_sender.body) == (
        200,
        {"room_id": "lobby", "message_id": mine, "deleted": True},
    )
    assert by_admin.status == 200
    assert world.store_factory.store.messages["lobby"] == []
    epoch = world.store_factory.store.rooms["lobby"].incarnation
    assert by_sender.events == [MessageDeleted("lobby", mine, 3, epoch)]  # after two posts
    data = {"room": "lobby", "message_id": mine, "offset": 3, "epoch": epoch}
    assert by_sender.emits == [Emit("message_deleted", data, channel("lobby"))]


@covered.refusal("delete_message")
def test_delete_message_refuses_someone_elses_a_missing_one_and_a_bad_id(
    http: Http, world: World
) -> None:
    admin = http.room()
    guest = http.member()
    admins = post_text(http, admin)
    path = {"room_id": "lobby", "message_id": admins}
    assert_error(http.call("delete_message", path=path, token=guest), 403, "forbidden")
    gone = "01900000-0000-7000-8000-000000000000"
    missing = http.call(
        "delete_message", path={"room_id": "lobby", "message_id": gone}, token=admin
    )
    assert_error(missing, 404, "message_not_found")
    bad = http.call("delete_message", path={"room_id": "lobby", "message_id": "x"}, token=admin)
    assert_error(bad, 400, "invalid_message_id")
    assert [m.id for m in world.store_factory.store.messages["lobby"]] == [admins]


@covered.success("edit_message")
def test_edit_message_by_its_sender_stores_it_encrypted_and_tells_the_room(
    http: Http, world: World
) -> None:
    http.room()
    guest = http.member()
    sent = post_text(http, guest, "helo")
    world.clock.advance(seconds=5)

    edited = http.call(
        "edit_message",
        path={"room_id": "lobby", "message_id": sent},
        json_body={"message": "hello"},
        token=guest,
    )

    stamp = iso_ms(world.clock.now_ms())
    assert (edited.status, edited.body) == (
        200,
        {"room_id": "lobby", "message_id": sent, "message": "hello", "edited_at": stamp},
    )
    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"hello" and b"hello" not in row.ciphertext
    (event,) = edited.events
    assert isinstance(event, MessageEdited) and event.message.text == "hello"
    data = {"room": "lobby", "message_id": sent, "message": "hello", "edited_at": stamp}
    data |= {"offset": 2, "epoch": world.store_factory.store.rooms["lobby"].incarnation}
    assert edited.emits == [Emit("message_edited", data, channel("lobby"))]
    page = http.call("list_messages", path={"room_id": "lobby"}, token=guest)
    [shown] = page.body["messages"]
    assert (shown["message"], shown["edited_at"], shown["reactions"]) == ("hello", stamp, {})


@covered.refusal("edit_message")
def test_edit_message_refuses_another_sender_a_closed_window_and_bad_input(
    world: World,
) -> None:
    short = dataclasses.replace(world.deps, config=CoreConfig(edit_window_s=60))
    http = Http(dataclasses.replace(world, deps=short))
    admin = http.room()
    guest = http.member()
    sent = post_text(http, guest, "kept")
    path = {"room_id": "lobby", "message_id": sent}

    def edit(token: str | None, body: object, at: dict[str, str] = path) -> Answered:
        return http.call("edit_message", path=at, json_body=body, token=token)

    assert_error(edit(admin, {"message": "x"}), 403, "not_sender")
    assert_error(edit(http.member(), {"message": "x"}), 403, "not_sender")
    assert_error(edit(None, {"message": "x"}), 401, "unauthorized")
    assert_error(edit(guest, {"message": " "}), 400, "message_empty")
    assert_error(edit(guest, {"message": "x", "user_id": "u_x"}), 403, "identity_mismatch")
    assert_error(edit(guest, {"message": "x", "extra": 1}), 400, "unexpected_field")
    assert_error(edit(guest, {}), 400, "missing_field")
    assert_error(
        edit(guest, {"message": "x"}, {**path, "message_id": "x"}), 400, "invalid_message_id"
    )
    gone = {**path, "message_id": "01900000-0000-7000-8000-000000000000"}
    assert_error(edit(guest, {"message": "x"}, gone), 404, "message_not_found")
    http.room("other")
    assert_error(edit(http.member("other"), {"message": "x"}), 403, "forbidden")
    world.clock.advance(seconds=60, ms=1)
    assert_error(edit(guest, {"message": "late"}), 403, "edit_window_closed")
    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"kept" and row.edited_at_ms is None
