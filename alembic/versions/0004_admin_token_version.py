"""Rooms count their admin token's versions, so rotating it revokes the old one.

Existing rooms start at version 1, the version every admin token issued before carries
(tokens without the claim are read as version 1).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies `rooms` into a new table and drops
# the old one, and with foreign keys on, that drop would cascade to every message and
# membership. SQLite (3.35+) adds and drops a column in place.


def upgrade() -> None:
    op.add_column(
        "rooms", sa.Column("admin_version", sa.Integer, nullable=False, server_default="1")
    )


def downgrade() -> None:
    op.drop_column("rooms", "admin_version")
