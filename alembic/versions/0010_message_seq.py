"""Message pruning: each message's number in its room, and each room's last number.

`messages.seq` numbers a room's messages 1, 2, ...; `rooms.message_seq` is the last number
given. Existing messages are numbered per room in id order (UUIDv7: creation order), and
each room's counter is set to its highest number. A unique index on (room_id, seq) lets a
send delete what falls out of the room's window (`seq <= last - keep`) as one index range.

Plain ALTER TABLE on both tables (no rebuild: on SQLite a rebuild would copy every
message). SQLite adds a NOT NULL column in place only with a default, so there `seq` keeps
a DEFAULT 0 that nothing relies on (every insert gives a number, and the unique index
refuses a second 0); Postgres adds it nullable, numbers the rows, then sets NOT NULL.

Revision ID: 0010
Revises: 0008 (re-chained after 0009 when merged)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Both SQLite (3.33+) and Postgres take UPDATE ... FROM and window functions.
_NUMBER_MESSAGES = """
UPDATE messages SET seq = numbered.n
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY id) AS n FROM messages
) AS numbered
WHERE messages.id = numbered.id
"""
_SET_COUNTERS = """
UPDATE rooms SET message_seq = COALESCE(
    (SELECT MAX(messages.seq) FROM messages WHERE messages.room_id = rooms.id), 0
)
"""


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "rooms", sa.Column("message_seq", sa.BigInteger(), nullable=False, server_default="0")
    )
    if sqlite:
        op.execute(
            "ALTER TABLE messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0"  # in place
        )
    else:
        op.execute("ALTER TABLE messages ADD COLUMN seq BIGINT")
    op.execute(_NUMBER_MESSAGES)
    if not sqlite:
        op.execute("ALTER TABLE messages ALTER COLUMN seq SET NOT NULL")
    op.create_index("ix_messages_room_id_seq", "messages", ["room_id", "seq"], unique=True)
    op.execute(_SET_COUNTERS)


def downgrade() -> None:
    op.drop_index("ix_messages_room_id_seq", table_name="messages")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), never a batch rebuild.
    op.execute("ALTER TABLE messages DROP COLUMN seq")
    op.execute("ALTER TABLE rooms DROP COLUMN message_seq")
