"""Encryption key rotation on every storage: messages move to the new primary key in
batches while a server keeps reading and writing, and nothing is left under the old key."""

from __future__ import annotations

import dataclasses

from cryptography.fernet import Fernet, InvalidToken

from adapters.crypto.fernet_cipher import FernetCipher, generate_key
from domain.usecases.rekey_messages import KeyCensus, census, rekey_messages
from ports.unit_of_work import UnitOfWorkFactory
from tests.adapters.test_unit_of_work import add_rooms, make_message


def _add(factory: UnitOfWorkFactory, cipher: FernetCipher, room_id: str, text: str) -> str:
    message = make_message(room_id, text)
    sealed = dataclasses.replace(message, ciphertext=cipher.encrypt(text.encode()))
    with factory(write=True) as uow:
        uow.messages.add(sealed)
        uow.commit()
    return message.id


def _stored(factory: UnitOfWorkFactory) -> dict[str, bytes]:
    with factory() as uow:
        return {m_id: ct for _, m_id, ct in uow.messages.ciphertexts(None, 1000)}


def _opens(key: str, ciphertext: bytes) -> bool:
    try:
        Fernet(key).decrypt(ciphertext)
    except InvalidToken:
        return False
    return True


def test_rekey_moves_every_message_while_a_server_reads_and_writes(
    uow_factory: UnitOfWorkFactory,
) -> None:
    old, new = generate_key(), generate_key()
    add_rooms(uow_factory, "lobby", "other")
    texts = {}
    for n in range(7):
        room = "lobby" if n % 2 else "other"
        texts[_add(uow_factory, FernetCipher([old]), room, f"m{n}")] = f"m{n}"
    # A server started before the rotation: it follows its key file, which now says [new, old].
    keys_file: list[list[str]] = [[new, old]]
    server = FernetCipher([old], reload=lambda: keys_file.pop() if keys_file else None)
    seen: list[KeyCensus] = []

    def during(done: KeyCensus) -> None:
        seen.append(done)
        stored = _stored(uow_factory)
        # Midway some rows are still under the old key only, and the server reads them all.
        assert {server.decrypt(ct).decode() for ct in stored.values()} >= set(texts.values())
        if len(seen) == 1:
            assert any(_opens(old, ct) for ct in stored.values())
            # The server writes meanwhile: the new key (it followed the file), and an old
            # process still on the old key; the walk reaches both (newer ids come later).
            texts[_add(uow_factory, server, "lobby", "during, new key")] = "during, new key"
            texts[_add(uow_factory, FernetCipher([old]), "other", "late")] = "late"

    done = rekey_messages(uow_factory, FernetCipher([new, old]), batch=3, progress=during)

    assert len(seen) >= 3  # batches of three, each its own transaction
    stored = _stored(uow_factory)
    assert {m_id: Fernet(new).decrypt(ct).decode() for m_id, ct in stored.items()} == texts
    assert not any(_opens(old, ct) for ct in stored.values())
    assert done.rewritten == 8 and done.current == 1 and done.older == 0
    assert census(uow_factory, FernetCipher([new, old])).older == 0


def test_an_edit_between_read_and_write_is_kept(uow_factory: UnitOfWorkFactory) -> None:
    old, new = generate_key(), generate_key()
    add_rooms(uow_factory, "lobby")
    message_id = _add(uow_factory, FernetCipher([old]), "lobby", "first")
    read = _stored(uow_factory)[message_id]
    edited = FernetCipher([old]).encrypt(b"edited")
    with uow_factory(write=True) as uow:
        uow.messages.update_text("lobby", message_id, edited, 1_700_000_001_000)
        uow.commit()
    with uow_factory(write=True) as uow:
        rewritten = FernetCipher([new, old]).rekey(read)
        stored = uow.messages.rekey([("lobby", message_id, read, rewritten)])
        uow.commit()
    assert stored == 0
    assert _stored(uow_factory)[message_id] == edited  # the edit, not the stale rewrite


def test_census_counts_by_key_and_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    old, new, lost = generate_key(), generate_key(), generate_key()
    add_rooms(uow_factory, "lobby")
    _add(uow_factory, FernetCipher([old]), "lobby", "old")
    _add(uow_factory, FernetCipher([new]), "lobby", "new")
    _add(uow_factory, FernetCipher([lost]), "lobby", "lost")
    before = _stored(uow_factory)
    found = census(uow_factory, FernetCipher([new, old]), batch=2)
    assert (found.scanned, found.current, found.older, found.unreadable) == (3, 1, 1, 1)
    assert found.rewritten == 0 and _stored(uow_factory) == before
    # A message no key opens is lost already: it does not hold a retirement back.
    rekey_messages(uow_factory, FernetCipher([new, old]))
    assert census(uow_factory, FernetCipher([new, old])).older == 0
