"""Fill rooms with history straight into the SQLite file, as the server would have stored it."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import insert

from adapters.crypto.fernet_cipher import FernetCipher
from adapters.sqlalchemy import tables
from adapters.sqlalchemy.engine import make_engine
from adapters.system import UuidV7Generator

CHUNK = 50_000


def prefill(data_dir: Path, rooms: dict[int, str]) -> dict[int, str]:
    """Insert `size` messages into each room; returns each room's middle message id."""
    key = (data_dir / "keys" / "fernet.key").read_text().strip()
    ciphertext = FernetCipher([key]).encrypt(("history " * 8).encode())
    engine = make_engine(f"sqlite:///{data_dir / 'securechat.db'}")
    ids = UuidV7Generator()
    now = int(time.time() * 1000)
    middles: dict[int, str] = {}
    try:
        for size, room_id in sorted(rooms.items()):
            written = 0
            while written < size:
                n = min(CHUNK, size - written)
                rows = []
                for i in range(written, written + n):
                    message_id = ids.message_id()
                    if i == size // 2:
                        middles[size] = message_id
                    rows.append(
                        {
                            "id": message_id,
                            "room_id": room_id,
                            "user_id": "g_bench",
                            "username": "bench",
                            "ciphertext": ciphertext,
                            "created_at_ms": now,
                        }
                    )
                with engine.begin() as conn:
                    conn.execute(insert(tables.messages), rows)
                written += n
    finally:
        engine.dispose()
    return middles
