"""The schema, once for SQLite and Postgres. Alembic migrations must produce exactly this."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

rooms = Table(
    "rooms",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("incarnation", String(36), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("password_version", Integer, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("message_limit", Integer, nullable=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("room_id", String(64), ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("username", String(128), nullable=False),
    # Only ciphertext is ever stored here (Fernet tokens).
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    # Keyset pagination: newest page before a cursor is one index range scan.
    Index("ix_messages_room_id_id", "room_id", "id"),
)

profiles = Table(
    "profiles",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("username", String(128), nullable=False),
    Column("avatar", String(2048), nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)
