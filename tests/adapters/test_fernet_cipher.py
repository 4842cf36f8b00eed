"""Encryption at rest: what the cipher adapter promises the core."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from adapters.crypto.fernet_cipher import FernetCipher, generate_key
from ports.cipher import UndecryptableError


def test_every_key_decrypts_and_the_first_encrypts() -> None:
    old, new = generate_key(), generate_key()
    written = FernetCipher([old]).encrypt(b"before the rotation")
    rotated = FernetCipher([new, old])
    assert rotated.decrypt(written) == b"before the rotation"
    assert Fernet(new.encode()).decrypt(rotated.encrypt(b"after")) == b"after"


@pytest.mark.parametrize(
    "ciphertext",
    [
        Fernet(Fernet.generate_key()).encrypt(b"under a key we do not hold"),
        b"gAAAAAB-not-a-fernet-token",
        b"",
    ],
    ids=["unknown-key", "garbage", "empty"],
)
def test_a_ciphertext_no_key_opens_raises_the_ports_error(ciphertext: bytes) -> None:
    with pytest.raises(UndecryptableError) as caught:
        FernetCipher([generate_key()]).decrypt(ciphertext)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
