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
