"""A room's optional admin password, as an argon2id hash.

Plain ALTER TABLE on `rooms` (no table rebuild).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rooms", sa.Column("admin_password_hash", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("rooms", "admin_password_hash")
