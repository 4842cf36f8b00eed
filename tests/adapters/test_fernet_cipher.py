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


def test_a_cipher_following_its_key_file_takes_up_a_new_primary() -> None:
    old, new = generate_key(), generate_key()
    changes: list[list[str]] = []
    cipher = FernetCipher([old], reload=lambda: changes.pop() if changes else None)
    assert Fernet(old.encode()).decrypt(cipher.encrypt(b"before")) == b"before"
    changes.append([new, old])  # the file now says: new first
    after = cipher.encrypt(b"after")
    assert Fernet(new.encode()).decrypt(after) == b"after"


def test_a_ciphertext_under_a_key_not_yet_seen_makes_the_cipher_look_again() -> None:
    old, new = generate_key(), generate_key()
    changes: list[list[str]] = []
    cipher = FernetCipher([old], reload=lambda: changes.pop() if changes else None)
    rewritten = FernetCipher([new]).encrypt(b"rotated elsewhere")
    with pytest.raises(UndecryptableError):
        cipher.decrypt(rewritten)  # nothing changed yet
    changes.append([new, old])
    assert cipher.decrypt(rewritten) == b"rotated elsewhere"
    changes.append(["not a key"])  # a broken file: the keys in use are kept
    assert cipher.decrypt(cipher.encrypt(b"still")) == b"still"


def test_rekey_moves_a_ciphertext_to_the_primary_and_is_current_says_so() -> None:
    old, new = generate_key(), generate_key()
    written = FernetCipher([old]).encrypt(b"text")
    ring = FernetCipher([new, old])
    assert not ring.is_current(written)
    moved = ring.rekey(written)
    assert ring.is_current(moved) and FernetCipher([new]).decrypt(moved) == b"text"
    with pytest.raises(UndecryptableError):
        ring.rekey(FernetCipher([generate_key()]).encrypt(b"lost"))
