"""Writes each dialect spells its own way: an upsert, and an insert that may find its row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    dialect = conn.dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))


def insert_new(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """Insert a row unless one with its primary key exists (then nothing changes)."""
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(module.insert(table).values(**values).on_conflict_do_nothing())
