"""The audit log (issue 20, point 4): who did what to which room, from where, when.

No foreign key to rooms: a room's entries outlive it (its deletion is one of them).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("room_id", sa.String(64), nullable=True),
        sa.Column("incarnation", sa.String(36), nullable=True),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index(
        "ix_audit_log_room_id_incarnation_id", "audit_log", ["room_id", "incarnation", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_room_id_incarnation_id", table_name="audit_log")
    op.drop_table("audit_log")
