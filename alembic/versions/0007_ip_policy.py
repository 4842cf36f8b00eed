"""IP verification: a room's policy, and its verified networks and pending addresses.

Existing rooms keep addresses out of it (`off`). Plain ALTER TABLE on `rooms`: a batch would
rebuild the table, and on SQLite dropping the old one cascades to its messages.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rooms", sa.Column("ip_policy", sa.String(16), nullable=False, server_default="off")
    )
    op.create_table(
        "room_networks",
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_room_networks_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", "network", name="pk_room_networks"),
    )


def downgrade() -> None:
    op.drop_table("room_networks")
    op.drop_column("rooms", "ip_policy")
