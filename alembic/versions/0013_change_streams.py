"""Change streams and idempotent sends (issue 19, points 1-3).

`room_changes` holds each room's visible changes by offset (`seq`), `rooms.change_offset`
the last offset given, `messages.change_offset` the offset of each message's last change;
`sent_messages` the message first sent under each (room, identity, client_id).

Existing rooms start their stream at offset 0 and existing messages carry offset 0: a
client that knew no offset before has nothing to recover. Plain ALTER TABLE ... ADD
COLUMN with a default on both dialects (no rebuild: on SQLite a rebuild would copy every
message).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rooms", sa.Column("change_offset", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.add_column(
        "messages",
        sa.Column("change_offset", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "room_changes",
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_room_changes_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", "seq", name="pk_room_changes"),
    )
    op.create_table(
        "sent_messages",
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_sent_messages_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", "user_id", "client_id", name="pk_sent_messages"),
    )


def downgrade() -> None:
    op.drop_table("sent_messages")
    op.drop_table("room_changes")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), never a batch rebuild.
    op.execute("ALTER TABLE messages DROP COLUMN change_offset")
    op.execute("ALTER TABLE rooms DROP COLUMN change_offset")
