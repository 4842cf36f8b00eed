"""Idempotent posts and `GET /chat/{room_id}/changes` (routes_rooms.py), called directly."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import World
from tests.unit.common.routes.harness import Http, assert_error, covered, post_text

THUMBS = "\U0001f44d"


def _post(http: Http, token: str, body: dict[str, Any]) -> Any:
    return http.call("post_message", path={"room_id": "lobby"}, json_body=body, token=token)


@covered.success("post_message")
def test_a_repeated_client_id_answers_the_first_message_and_stores_nothing(
    http: Http, world: World
) -> None:
    http.room("lobby")
    alice, bob = http.member("lobby", "alice"), http.member("lobby", "bob")

    first = _post(http, alice, {"message": "once", "client_id": "c-1_A"})
    again = _post(http, alice, {"message": "once", "client_id": "c-1_A"})
    # The same key by another identity is another message.
    theirs = _post(http, bob, {"message": "once", "client_id": "c-1_A"})

    assert first.status == 201 and len(first.emits) == 1
    assert (again.status, again.body) == (200, first.body)
    assert again.events == [] and again.emits == []
    assert theirs.status == 201 and theirs.body != first.body
    assert len(world.store_factory.store.messages["lobby"]) == 2


@covered.refusal("post_message")
@pytest.mark.parametrize(
    "client_id",
    ["a" * 65, "", "abc\n", "a b", "ａbc", "é", "a/b", "a.b", 7, True, ["a"]],
)
def test_a_malformed_client_id_is_invalid_field_and_stores_nothing(
    http: Http, world: World, client_id: object
) -> None:
    http.room("lobby")
    token = http.member("lobby", "alice")

    assert_error(
        _post(http, token, {"message": "hi", "client_id": client_id}), 400, "invalid_field"
    )
    assert world.store_factory.store.messages.get("lobby", []) == []


def _changes(http: Http, token: str, since: int, epoch: str) -> Any:
    query = {"since": str(since), "epoch": epoch}
    return http.call("room_changes", path={"room_id": "lobby"}, query=query, token=token)


@covered.success("room_changes")
def test_changes_are_every_change_after_an_offset_in_order(http: Http, world: World) -> None:
    admin = http.room("lobby")
    token = http.member("lobby", "alice")
    kept, gone = post_text(http, token, "kept"), post_text(http, token, "gone")
    epoch = world.store_factory.store.rooms["lobby"].incarnation
    since = 2  # the two posts were seen

    http.call(
        "edit_message",
        path={"room_id": "lobby", "message_id": kept},
        json_body={"message": "kept!"},
        token=token,
    )
    http.call("delete_message", path={"room_id": "lobby", "message_id": gone}, token=token)
    later = post_text(http, token, "later")
    got = _changes(http, token, since, epoch)

    assert got.status == 200
    body = got.body
    assert (body["offset"], body["epoch"], body["recovered"]) == (5, epoch, True)
    assert [(c["event"], c["data"]["offset"]) for c in body["changes"]] == [
        ("message_edited", 3),
        ("message_deleted", 4),
        ("message", 5),
    ]
    assert all(c["data"]["epoch"] == epoch for c in body["changes"])
    assert body["changes"][0]["data"]["message"] == "kept!"
    assert body["changes"][1]["data"]["message_id"] == gone
    assert body["changes"][2]["data"]["id"] == later
    # Nothing missed: an empty list, recovered.
    assert _changes(http, token, 5, epoch).body == {
        "changes": [],
        "offset": 5,
        "epoch": epoch,
        "recovered": True,
    }
    # A clear leaves the messages before it out: only the clear is listed.
    http.call("clear_history", path={"room_id": "lobby"}, token=admin)
    cleared = _changes(http, token, 0, epoch).body
    assert [c["event"] for c in cleared["changes"]] == ["message_deleted", "history_cleared"]


@covered.success("room_changes")
def test_changes_of_another_epoch_or_an_offset_never_given_are_not_recovered(
    http: Http, world: World
) -> None:
    http.room("lobby")
    token = http.member("lobby", "alice")
    post_text(http, token)
    epoch = world.store_factory.store.rooms["lobby"].incarnation

    for since, asked in ((0, "another"), (2, epoch)):
        got = _changes(http, token, since, asked).body
        assert got == {
            "changes": [],
            "offset": 1,
            "epoch": epoch,
            "recovered": False,
            "reason": "epoch_changed",
        }


@covered.refusal("room_changes")
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"since": "1"},
        {"epoch": "e"},
        {"since": "-1", "epoch": "e"},
        {"since": "１", "epoch": "e"},
        {"since": "1" * 16, "epoch": "e"},
        {"since": "1", "epoch": "e" * 65},
        {"since": "1", "epoch": "e", "limit": "2"},
    ],
)
def test_changes_with_a_malformed_query_are_invalid_query(
    http: Http, query: dict[str, str]
) -> None:
    http.room("lobby")
    token = http.member("lobby", "alice")
    got = http.call("room_changes", path={"room_id": "lobby"}, query=query, token=token)
    assert_error(got, 400, "invalid_query")


@covered.refusal("room_changes")
def test_changes_without_a_grant_are_refused(http: Http) -> None:
    http.room("lobby")
    http.room("other")
    query = {"since": "0", "epoch": "e"}
    assert_error(
        http.call("room_changes", path={"room_id": "lobby"}, query=query), 401, "unauthorized"
    )
    other = http.member("other")
    got = http.call("room_changes", path={"room_id": "lobby"}, query=query, token=other)
    assert got.status == 403
