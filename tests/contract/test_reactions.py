"""Reactions, on both runtimes and every storage: a socket toggles its identity's reaction
on a message of a room it joined; the room gets `reaction_update`; history shows each
message's reactions. Everything refused is an error ack that changes nothing and tells no
one."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import socketio

from tests.contract.client import Api, Room, receive_until

THUMBS = "\U0001f44d"
SINGLE_EMOJI = [
    THUMBS,
    "\u2764\ufe0f",  # ❤️
    "\U0001f44d\U0001f3fd",  # 👍🏽
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # 👨‍👩‍👧
    "\U0001f1eb\U0001f1f7",  # 🇫🇷
]
NOT_ONE_EMOJI = [
    "",
    "abc",
    "<b>",
    "x" * 200,
    THUMBS * 200,
    THUMBS + "\U0001f600",  # two emoji
    "1",
    "\ud83d",  # a lone surrogate
]
HEART = "\u2764\ufe0f"
# Emoji-ish texts that Unicode's emoji table does not list: refused, not stored.
NOT_IN_THE_TABLE = [
    THUMBS + "\ufe0f\ufe0f",  # a selector repeated
    THUMBS + "\ufe0e\ufe0f",  # both selectors
    THUMBS + "\U0001f3fd\U0001f3fd",  # a skin tone repeated
    THUMBS + "\U0001f3fb\U0001f3ff",  # two skin tones
    THUMBS + "\U000e0067\U000e007f",  # trailing tags on what is no flag
    "\U0001f3f4\U000e0078\U000e0078\U000e0078\U000e007f",  # a tag flag no table lists
    "\U0001fc00",  # unassigned
    "\U0001f130",  # 🄰 SQUARED LATIN CAPITAL LETTER A
    "\U0001f3fd",  # a skin tone alone
    THUMBS + "\u200d\U0001f600",  # a ZWJ sequence the table does not list
]


def _history(api: Api, room: Room) -> list[dict[str, Any]]:
    response = api.messages(room.room_id, room.admin_token, limit=100)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def _reactions(api: Api, room: Room) -> list[dict[str, list[str]]]:
    return [m["reactions"] for m in _history(api, room)]


def _posted(api: Api, room: Room, token: str, text: str = "react to me") -> str:
    response = api.post(room.room_id, token, text)
    assert response.status_code == 201, response.text
    return str(response.json()["message_id"])


def _react(
    client: socketio.SimpleClient, room_id: str, message_id: str, emoji: str, **more: Any
) -> Any:
    data = {"room": room_id, "message_id": message_id, "reaction": emoji, **more}
    return client.call("reaction", data, timeout=5)


def _refused(ack: dict[str, Any], code: str) -> None:
    assert (ack["ok"], ack["status"], ack["code"]) == (False, "error", code), ack
    assert set(ack) == {"ok", "status", "error", "code"} and ack["error"]


def _told_nothing(client: socketio.SimpleClient, event: str) -> None:
    with pytest.raises((TimeoutError, socketio.exceptions.TimeoutError)):
        receive_until(client, event, timeout=1.0)


def test_a_reaction_toggles_on_and_off_reaches_the_room_and_shows_in_history(api: Api) -> None:
    room = api.create_room()
    alice, bob = api.verify(room, "alice"), api.verify(room, "bob")
    message_id = _posted(api, room, alice["token"])
    with api.socket(alice["token"]) as watcher, api.socket(bob["token"]) as client:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True

        on = _react(client, room.room_id, message_id, THUMBS)

        expected = {THUMBS: [bob["user_id"]]}
        assert on == {
            "ok": True,
            "status": "success",
            "message_id": message_id,
            "on": True,
            "reactions": expected,
        }
        update = {"room": room.room_id, "message_id": message_id, "reactions": expected}
        update["offset"] = 2  # after the post (test_delivery.py)
        for someone in (watcher, client):  # the reactor included
            told = receive_until(someone, "reaction_update")
            assert told.pop("epoch")
            assert told == update
        assert _reactions(api, room) == [expected]

        off = _react(client, room.room_id, message_id, THUMBS, user_id=bob["user_id"])

        assert (off["ok"], off["on"], off["reactions"]) == (True, False, {})
        assert receive_until(watcher, "reaction_update")["reactions"] == {}
        assert _reactions(api, room) == [{}]


def test_each_single_emoji_is_accepted_and_kept_as_sent(api: Api) -> None:
    room = api.create_room()
    guest = api.verify(room, "guest")
    first, second = _posted(api, room, guest["token"], "one"), _posted(api, room, guest["token"])
    with api.socket(guest["token"]) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for emoji in SINGLE_EMOJI:
            ack = _react(client, room.room_id, first, emoji)
            assert (ack["ok"], ack["on"]) == (True, True), (emoji, ack)
    page = _history(api, room)
    assert [m["id"] for m in page] == [first, second]
    assert page[0]["reactions"] == {emoji: [guest["user_id"]] for emoji in SINGLE_EMOJI}
    assert list(page[0]["reactions"]) == SINGLE_EMOJI  # in the order of first reaction
    assert page[1]["reactions"] == {}


def test_spellings_of_one_emoji_are_one_reaction_shown_in_its_one_form(api: Api) -> None:
    room = api.create_room()
    guests = [api.verify(room, name) for name in ("ann", "ben", "cat", "dan")]
    message_id = _posted(api, room, guests[0]["token"])
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    spellings = [THUMBS, THUMBS + "\ufe0f", THUMBS + "\ufe0e", THUMBS + "\ufe0f"]
    with api.socket(guests[0]["token"]) as watcher:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for guest, thumbs in zip(guests, spellings, strict=True):
            with api.socket(guest["token"]) as client:
                assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
                ack = _react(client, room.room_id, message_id, thumbs)
                assert (ack["ok"], ack["on"], list(ack["reactions"])) == (True, True, [THUMBS])
                update = receive_until(watcher, "reaction_update")
                assert list(update["reactions"]) == [THUMBS]
        with api.socket(guests[1]["token"]) as client:
            assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
            # Unqualified ❤ and a text-presentation ❤︎ are ❤️; a tag flag the table lists.
            assert _react(client, room.room_id, message_id, "\u2764")["on"] is True
            assert _react(client, room.room_id, message_id, england)["on"] is True
            off = _react(client, room.room_id, message_id, "\u2764\ufe0e")
            assert off["on"] is False
            assert _react(client, room.room_id, message_id, "\u2764")["on"] is True
            # Another spelling of the thumbs it holds takes it back.
            assert _react(client, room.room_id, message_id, THUMBS + "\ufe0e")["on"] is False
    ids = [g["user_id"] for g in guests]
    assert _reactions(api, room) == [
        {THUMBS: [ids[0], ids[2], ids[3]], england: [ids[1]], HEART: [ids[1]]}
    ]


def test_what_the_emoji_table_does_not_list_is_refused_and_stores_nothing(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    message_id = _posted(api, room, token)
    with api.socket(token) as client, api.socket(token) as watcher:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for reaction in NOT_IN_THE_TABLE:
            ack = _react(client, room.room_id, message_id, reaction)
            assert ack["ok"] is False, (reaction, ack)
            _refused(ack, "invalid_reaction")
        _told_nothing(watcher, "reaction_update")
    assert _reactions(api, room) == [{}]


def test_a_member_with_a_user_token_reacts_as_its_account(api: Api) -> None:
    room = api.create_room()
    name = "m_" + secrets.token_hex(4)
    signed = api.http.post("/auth/register", json={"username": name, "password": "long enough pw"})
    assert signed.status_code == 201, signed.text
    user = signed.json()
    message_id = _posted(api, room, api.token(room))
    with api.socket(user["access_token"]) as client:
        joined = client.call("join", {"room": room.room_id, "password": room.password}, timeout=5)
        assert joined["ok"] is True
        assert _react(client, room.room_id, message_id, THUMBS)["ok"] is True
    assert _reactions(api, room) == [{THUMBS: [user["user_id"]]}]


@pytest.mark.parametrize("reaction", NOT_ONE_EMOJI)
def test_anything_but_one_short_emoji_is_refused(api: Api, reaction: str) -> None:
    room = api.create_room()
    token = api.token(room)
    message_id = _posted(api, room, token)
    with api.socket(token) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        _refused(_react(client, room.room_id, message_id, reaction), "invalid_reaction")
        _told_nothing(client, "reaction_update")
    assert _reactions(api, room) == [{}]


def test_a_reaction_for_another_room_a_room_not_joined_a_spoofed_user_or_another_rooms_message_is_refused(  # noqa: E501
    api: Api,
) -> None:
    room, other, elsewhere = api.create_room(), api.create_room(), api.create_room()
    victim = api.verify(room, "victim")
    message_id = _posted(api, room, victim["token"])
    other_message = _posted(api, other, other.admin_token, "in the other room")
    mallory = api.verify(room, "mallory")
    with api.socket(victim["token"]) as watcher, api.socket(mallory["token"]) as client:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        with api.socket(other.admin_token) as other_admin:
            # A room its token does not grant: never joined, so refused before anything.
            _refused(_react(client, other.room_id, other_message, THUMBS), "not_joined")
            # Joined nothing yet: not even its own room.
            _refused(_react(client, room.room_id, message_id, THUMBS), "not_joined")
            assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
            # A room that exists but that it did not join.
            _refused(_react(client, elsewhere.room_id, message_id, THUMBS), "not_joined")
            for claimed in (victim["user_id"], "", "u_" + secrets.token_hex(4)):
                ack = _react(client, room.room_id, message_id, THUMBS, user_id=claimed)
                _refused(ack, "identity_mismatch")
            # The other room's message, named in a room it joined.
            _refused(_react(client, room.room_id, other_message, THUMBS), "message_not_found")
            # ... and the other way round, by a socket joined to the other room.
            assert other_admin.call("join", {"room": other.room_id}, timeout=5)["ok"] is True
            ack = _react(other_admin, other.room_id, message_id, THUMBS)
            _refused(ack, "message_not_found")
            _told_nothing(watcher, "reaction_update")
    assert _reactions(api, room) == [{}]
    assert [m["reactions"] for m in _history(api, other)] == [{}]


def test_malformed_reaction_payloads_are_refused(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    message_id = _posted(api, room, token)
    with api.socket(token) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        base = {"room": room.room_id, "message_id": message_id, "reaction": THUMBS}
        for change, code in (
            ({"reaction": 7}, "invalid_field"),
            ({"reaction": [THUMBS]}, "invalid_field"),
            ({"message_id": "not-an-id"}, "invalid_message_id"),
            ({"message_id": None}, "invalid_field"),
            ({"room": "bad room!"}, "invalid_room_id"),
            ({"extra": 1}, "unexpected_field"),
            ({"user_id": 7}, "invalid_field"),
        ):
            _refused(client.call("reaction", base | change, timeout=5), code)
        _refused(client.call("reaction", {"room": room.room_id}, timeout=5), "missing_field")
    assert _reactions(api, room) == [{}]


def test_a_deleted_message_takes_its_reactions_with_it(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    gone, kept = _posted(api, room, token, "gone"), _posted(api, room, token, "kept")
    with api.socket(token) as client:
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for message_id in (gone, kept):
            assert _react(client, room.room_id, message_id, THUMBS)["ok"] is True
        deleted = api.http.delete(
            f"/chat/{room.room_id}/messages/{gone}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert deleted.status_code == 200, deleted.text
        _refused(_react(client, room.room_id, gone, THUMBS), "message_not_found")
    assert [(m["id"], list(m["reactions"])) for m in _history(api, room)] == [(kept, [THUMBS])]
