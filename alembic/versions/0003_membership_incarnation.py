"""Memberships name the room incarnation they were joined in.

A membership of a room deleted and re-created under the same id must never open the new
room; existing rows take their room's current incarnation (the one they were made in, as no
room has been re-created without its memberships cascading away).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("incarnation", sa.String(36), nullable=True))
    op.execute(
        "UPDATE memberships SET incarnation ="
        " (SELECT rooms.incarnation FROM rooms WHERE rooms.id = memberships.room_id)"
    )
    # A row whose room is gone (foreign keys off at some point) can open nothing: drop it.
    op.execute("DELETE FROM memberships WHERE incarnation IS NULL")
    with op.batch_alter_table("memberships") as batch:
        batch.alter_column("incarnation", existing_type=sa.String(36), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("incarnation")
