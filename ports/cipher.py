from __future__ import annotations

from typing import Protocol


class UndecryptableError(Exception):
    """No configured key opens this ciphertext: written under a key since removed, or altered."""


class Cipher(Protocol):
    """Authenticated symmetric encryption of data at rest."""

    def encrypt(self, plaintext: bytes) -> bytes: ...

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The plaintext; raises UndecryptableError when no key opens `ciphertext`."""
        ...


class KeyRing(Cipher, Protocol):
    """A cipher over several keys, the first (primary) encrypting: what key rotation needs."""

    def is_current(self, ciphertext: bytes) -> bool:
        """Whether the primary key opens `ciphertext` (nothing to rewrite)."""
        ...

    def rekey(self, ciphertext: bytes) -> bytes:
        """The same plaintext under the primary key; UndecryptableError when no key opens it."""
        ...
