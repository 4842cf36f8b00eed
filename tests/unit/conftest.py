"""Unit-test wiring: the real in-memory adapters, a real cipher and token service, a fake clock
(`clock` and `tokens` come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from adapters.auth.jwt_tokens import JwtTokenService
from adapters.crypto.fernet_cipher import FernetCipher, generate_key
from adapters.memory.presence import MemoryPresenceStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.system import UuidV7Generator
from adapters.text.emoji_table import UnicodeEmojiTable
from domain.usecases import CoreConfig, Deps
from tests.support import CountingHasher, FakeClock, World, fast_hasher


@pytest.fixture(scope="session")
def emoji_table() -> UnicodeEmojiTable:
    """Built once: its dict is read-only after construction."""
    return UnicodeEmojiTable()


@pytest.fixture
def world(clock: FakeClock, tokens: JwtTokenService, emoji_table: UnicodeEmojiTable) -> World:
    factory = MemoryUnitOfWorkFactory()
    cipher = FernetCipher([generate_key()])
    hasher = CountingHasher(fast_hasher())
    presence = MemoryPresenceStore()
    deps = Deps(
        uow=factory,
        cipher=cipher,
        hasher=hasher,
        tokens=tokens,
        clock=clock,
        ids=UuidV7Generator(),
        presence=presence,
        emoji=emoji_table,
        config=CoreConfig(),
    )
    return World(deps, clock, factory, cipher, hasher, tokens, presence)
