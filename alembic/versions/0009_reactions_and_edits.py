"""Reactions and edits: `messages.edited_at_ms`, and the `message_reactions` table, whose
rows go with their message (ON DELETE CASCADE).

Plain ALTER TABLE on `messages` (no table rebuild).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("edited_at_ms", sa.BigInteger, nullable=True))
    op.create_table(
        "message_reactions",
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("reaction", sa.String(32), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name="fk_message_reactions_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "message_id", "user_id", "reaction", name="pk_message_reactions"
        ),
    )
    op.create_index(
        "ix_message_reactions_room_id_message_id",
        "message_reactions",
        ["room_id", "message_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_message_reactions_room_id_message_id", table_name="message_reactions")
    op.drop_table("message_reactions")
    op.drop_column("messages", "edited_at_ms")
