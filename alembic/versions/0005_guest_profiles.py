"""Guest profiles: users without a password, avatars, and messages marked by their sender's kind.

A guest profile is a row of `users` whose `password_hash` is NULL, so its user id and its
username key share the constraints of accounts. `messages.guest` records whether the sender
had no password; existing rows take it from the sender's id (`g_…`: a room token's guest, the
only guests before this revision).

Downgrading deletes every guest profile (and, by cascade, its sign-ins): an account needs a
password in the older schema.

Revision ID: 0005
Revises: 0003 (rechained onto 0004 at merge)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=True)
        batch.add_column(sa.Column("avatar", sa.String(2048), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("guest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        sa.text("UPDATE messages SET guest = :yes WHERE substr(user_id, 1, 2) = 'g_'").bindparams(
            yes=True
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("guest")
    op.execute("DELETE FROM users WHERE password_hash IS NULL")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("avatar")
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=False)
