"""Encryption at rest with MultiFernet: the first key encrypts, every key decrypts."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ports.cipher import UndecryptableError


class FernetCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is required")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken:
            raise UndecryptableError("no configured key opens this ciphertext") from None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def check_key(key: str) -> str:
    """Raise ValueError for anything that is not a Fernet key (32 url-safe base64 bytes)."""
    Fernet(key)
    return key
