"""Response shaping shared by both runtimes."""

from __future__ import annotations

from domain.model.messages import Message
from entrypoints.common.shapes import message_json


def test_an_unreadable_message_is_shown_with_null_text_and_a_marker() -> None:
    readable = Message("m1", "lobby", "g_1", "dana", "hi", 0)
    unreadable = Message("m2", "lobby", "g_1", "dana", "", 0, unreadable=True)
    assert "unreadable" not in message_json(readable)
    assert message_json(readable)["message"] == "hi"
    shown = message_json(unreadable)
    assert shown["message"] is None and shown["unreadable"] is True
    assert set(shown) == set(message_json(readable)) | {"unreadable"}


def test_a_message_shows_when_it_was_edited_and_its_reactions() -> None:
    fresh = Message("m1", "lobby", "g_1", "dana", "hi", 0)
    edited = Message("m1", "lobby", "g_1", "dana", "hi!", 0, edited_at_ms=1_500)
    assert (message_json(fresh)["edited_at"], message_json(fresh)["reactions"]) == (None, {})
    shown = message_json(edited, {"\U0001f44d": ["g_2", "g_1"]})
    assert shown["edited_at"] == "1970-01-01T00:00:01.500Z"
    assert shown["reactions"] == {"\U0001f44d": ["g_2", "g_1"]}
