"""Page sessions (issue 19, point 6: a reload keeps you where you were).

`page_sessions` holds what a reloaded page resumes (its room, identity and, for a room
token, what renewing it needs); `session_cookies` the values of its cookie, by SHA-256
only, each used once. Both go with their room (and the cookies with their session).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_sessions",
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("room_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("user_token", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("incarnation", sa.String(36), nullable=False),
        sa.Column("password_version", sa.Integer(), nullable=False),
        sa.Column("admin_version", sa.Integer(), nullable=False),
        sa.Column("guest", sa.Boolean(), nullable=False),
        sa.Column("session_start", sa.BigInteger(), nullable=False),
        sa.Column("family_id", sa.String(36), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_page_sessions_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name="pk_page_sessions"),
    )
    op.create_index("ix_page_sessions_room_id", "page_sessions", ["room_id"])
    op.create_table(
        "session_cookies",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["page_sessions.session_id"],
            name="fk_session_cookies_session_id_page_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_session_cookies"),
    )
    op.create_index("ix_session_cookies_session_id", "session_cookies", ["session_id"])


def downgrade() -> None:
    op.drop_table("session_cookies")
    op.drop_table("page_sessions")
