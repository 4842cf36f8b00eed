"""A room's owner when its creator handed it on, and kicks that hold addresses.

`rooms.owner_id`: whom the owner handed the room to; NULL means the creator
(`rooms.created_by`), so existing rooms need no rewrite. `address_bans.until_ms`: NULL for
a ban (until unbanned, as every existing row is), else the end of a kick's hold on the
address. Plain ALTER TABLE on both (no rebuild).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rooms", sa.Column("owner_id", sa.String(64), nullable=True))
    op.add_column("address_bans", sa.Column("until_ms", sa.BigInteger, nullable=True))


def downgrade() -> None:
    # A kick's hold would become a ban without its end: they go, bans stay.
    op.execute("DELETE FROM address_bans WHERE until_ms IS NOT NULL")
    op.drop_column("address_bans", "until_ms")
    op.drop_column("rooms", "owner_id")
