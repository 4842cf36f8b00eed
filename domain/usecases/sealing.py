"""Messages at rest: the one mapping between a Message and its encrypted StoredMessage."""

from __future__ import annotations

import logging

from domain.model.messages import Message, StoredMessage
from ports.cipher import Cipher, UndecryptableError

log = logging.getLogger("securechat.history")


def seal(cipher: Cipher, message: Message) -> StoredMessage:
    """The message as stored: its text encrypted, everything else as is."""
    return StoredMessage(
        id=message.id,
        room_id=message.room_id,
        user_id=message.user_id,
        username=message.username,
        ciphertext=cipher.encrypt(message.text.encode("utf-8")),
        created_at_ms=message.created_at_ms,
        guest=message.guest,
        edited_at_ms=message.edited_at_ms,
        offset=message.offset,
    )


def unseal(cipher: Cipher, row: StoredMessage) -> Message:
    """The row decrypted, or marked unreadable (and logged) when no key opens it."""
    try:
        text, unreadable = cipher.decrypt(row.ciphertext).decode("utf-8"), False
    except (UndecryptableError, UnicodeDecodeError):
        # Names only the row: never the ciphertext, a key or any text.
        log.warning(
            "message %s in room %s cannot be decrypted with the configured keys; "
            "shown as unreadable",
            row.id,
            row.room_id,
        )
        text, unreadable = "", True
    return Message(
        id=row.id,
        room_id=row.room_id,
        user_id=row.user_id,
        username=row.username,
        text=text,
        created_at_ms=row.created_at_ms,
        unreadable=unreadable,
        guest=row.guest,
        edited_at_ms=row.edited_at_ms,
        offset=row.offset,
    )
