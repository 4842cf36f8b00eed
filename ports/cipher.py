from __future__ import annotations

from typing import Protocol


class Cipher(Protocol):
    """Authenticated symmetric encryption of data at rest."""

    def encrypt(self, plaintext: bytes) -> bytes: ...

    def decrypt(self, ciphertext: bytes) -> bytes: ...
