"""The JSON shapes clients see: encoding, headers, and a message as REST and sockets show it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from domain.model.messages import Message
from domain.model.presence import Present
from domain.model.reactions import Reactions

JSON_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def encode_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def message_json(message: Message, reactions: Reactions | None = None) -> dict[str, Any]:
    """A message as history and the `message` event show it, with its reactions (`{}` for a
    new one) and last edit (null if never); `"unreadable": true` only if no key opens it."""
    body: dict[str, Any] = {
        "id": message.id,
        "room_id": message.room_id,
        "user_id": message.user_id,
        "username": message.username,
        "guest": message.guest,
        "message": None if message.unreadable else message.text,
        "timestamp": iso_ms(message.created_at_ms),
        "edited_at": edited_at(message),
        "reactions": reactions or {},
        "offset": message.offset,  # of its last change in the room's stream
    }
    if message.unreadable:
        body["unreadable"] = True
    return body


def edited_at(message: Message) -> str | None:
    return iso_ms(message.edited_at_ms) if message.edited_at_ms is not None else None


def iso_ms(epoch_ms: int) -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-12-03T10:15:00.000Z."""
    return (
        datetime.fromtimestamp(epoch_ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def present_json(who: Present) -> dict[str, Any]:
    """One identity in a presence or typing list."""
    return {"user_id": who.user_id, "username": who.username, "guest": who.guest}
