"""Kicks and bans: a membership's standing, the addresses each identity used in a room, and
the addresses banned from it.

Existing memberships are active. Plain ALTER TABLE on `memberships` (no table rebuild).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "memberships",
        sa.Column("standing", sa.String(16), nullable=False, server_default="active"),
    )
    op.add_column("memberships", sa.Column("until_ms", sa.BigInteger, nullable=True))
    op.create_table(
        "member_addresses",
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_member_addresses_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", "user_id", "address", name="pk_member_addresses"),
    )
    op.create_table(
        "address_bans",
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_address_bans_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", "address", "user_id", name="pk_address_bans"),
    )


def downgrade() -> None:
    op.drop_table("address_bans")
    op.drop_table("member_addresses")
    op.drop_column("memberships", "until_ms")
    op.drop_column("memberships", "standing")
