"""Fill rooms with history through the storage adapter, as the server would have stored it:
`SqlMessageRepository.add_many` in units of work of 50,000 (numbered per room, so pruning
sees them), never one request per message."""

from __future__ import annotations

import time
from pathlib import Path

from adapters.crypto.fernet_cipher import FernetCipher
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from adapters.system import UuidV7Generator
from domain.model.messages import StoredMessage

CHUNK = 50_000


def prefill(data_dir: Path, rooms: dict[int, str], url: str | None = None) -> dict[int, str]:
    """Insert `size` messages into each room (of the SQLite file in `data_dir`, or of the
    database at `url`); returns each room's middle message id."""
    key = (data_dir / "keys" / "fernet.key").read_text().strip()
    ciphertext = FernetCipher([key]).encrypt(("history " * 8).encode())
    engine = make_engine(url or f"sqlite:///{data_dir / 'securechat.db'}")
    factory = SqlUnitOfWorkFactory(engine)
    ids = UuidV7Generator()
    now = int(time.time() * 1000)
    middles: dict[int, str] = {}
    try:
        for size, room_id in sorted(rooms.items()):
            written = 0
            while written < size:
                n = min(CHUNK, size - written)
                chunk = [
                    StoredMessage(ids.message_id(), room_id, "g_bench", "bench", ciphertext, now)
                    for _ in range(n)
                ]
                if written <= size // 2 < written + n:
                    middles[size] = chunk[size // 2 - written].id
                with factory(write=True) as uow:
                    uow.messages.add_many(chunk)
                    uow.commit()
                written += n
    finally:
        engine.dispose()
    return middles
