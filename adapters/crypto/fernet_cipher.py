"""Encryption at rest with MultiFernet: the first key encrypts, every key decrypts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ports.cipher import UndecryptableError

log = logging.getLogger("securechat.keys")

Reload = Callable[[], Sequence[str] | None]
"""The key list anew when its source changed since the last call, else None."""


class FernetCipher:
    """`reload` (a key file being followed) is asked before each encryption and when no
    key opens a ciphertext: a new primary, or a key added elsewhere, is taken up at once."""

    def __init__(self, keys: Sequence[str], reload: Reload | None = None) -> None:
        self._keys = _keyring(keys)
        self._reload = reload

    def encrypt(self, plaintext: bytes) -> bytes:
        self._follow()
        return self._keys[1].encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        keys = self._keys
        try:
            return keys[1].decrypt(ciphertext)
        except InvalidToken:
            pass
        # Rewritten under a key this process has not seen yet (a rotation under way)?
        if self._follow() is not keys:
            try:
                return self._keys[1].decrypt(ciphertext)
            except InvalidToken:
                pass
        raise UndecryptableError("no configured key opens this ciphertext") from None

    def is_current(self, ciphertext: bytes) -> bool:
        try:
            self._keys[0].decrypt(ciphertext)
        except InvalidToken:
            return False
        return True

    def rekey(self, ciphertext: bytes) -> bytes:
        try:
            # MultiFernet.rotate keeps the token's timestamp; only the key changes.
            return self._keys[1].rotate(ciphertext)
        except InvalidToken:
            raise UndecryptableError("no configured key opens this ciphertext") from None

    def _follow(self) -> tuple[Fernet, MultiFernet]:
        if self._reload is not None and (keys := self._reload()) is not None:
            try:
                self._keys = _keyring(keys)
                log.info("encryption keys reloaded: %d key(s), a new primary first", len(keys))
            except (ValueError, TypeError):
                log.warning("the changed encryption key file holds a bad key; keys kept")
        return self._keys


def _keyring(keys: Sequence[str]) -> tuple[Fernet, MultiFernet]:
    if not keys:
        raise ValueError("at least one Fernet key is required")
    fernets = [Fernet(key) for key in keys]
    return fernets[0], MultiFernet(fernets)


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def check_key(key: str) -> str:
    """Raise ValueError for anything that is not a Fernet key (32 url-safe base64 bytes)."""
    Fernet(key)
    return key
