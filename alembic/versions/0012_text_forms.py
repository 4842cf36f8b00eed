"""Names and reactions in their one form (rows only; the schema does not change).

Names: outer blanks stripped and inner runs of whitespace folded to one space
(domain.model.members.fold_spaces, which check_username applies since this revision), for
accounts and guest profiles (`users`, with their key recomputed) and room guests
(`profiles`). Names that fold to one key: the row already in its folded form keeps it, else
the earliest; each other gets " (2)", " (3)", ... (within 32 characters) so that the key
stays unique, and is logged by user id (an account then logs in under that name).

Reactions: each row in the emoji table's fully-qualified form
(adapters/text/emoji_table.py). A row whose form its identity already holds on that message
is merged into it (the earlier time kept); a row the table does not list is deleted (it
could no longer be toggled off).

Downgrade changes nothing back: the earlier code reads these forms as they are.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa

from adapters.text.emoji_table import UnicodeEmojiTable
from alembic import context, op
from domain.model.accounts import username_key
from domain.model.members import USERNAME_MAX_CHARS, fold_spaces

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _folded(name: str) -> str:
    return fold_spaces(unicodedata.normalize("NFKC", name)) or name


def _names(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text("SELECT user_id, username, username_key FROM users ORDER BY created_at_ms, user_id")
    ).all()
    wanted = [(row[0], row[1], row[2], _folded(row[1])) for row in rows]
    # Who keeps a contested key: a row whose name does not change, then the earliest.
    order = sorted(range(len(wanted)), key=lambda i: (wanted[i][1] != wanted[i][3], i))
    taken: set[str] = set()
    final: dict[str, tuple[str, str]] = {}
    for i in order:
        user_id, old_name, old_key, name = wanted[i]
        key, n = username_key(name), 1
        while key in taken:
            n += 1
            suffix = f" ({n})"
            name = fold_spaces(_folded(wanted[i][1])[: USERNAME_MAX_CHARS - len(suffix)] + suffix)
            key = username_key(name)
        taken.add(key)
        if (name, key) != (old_name, old_key):
            final[user_id] = (name, key)
            if n > 1:
                log.warning("0012: user %s renamed: its name folds to one already held", user_id)
    # Two steps, so that no intermediate state holds a key twice (a control character is
    # in no real key; Postgres takes no NUL in text).
    update = sa.text("UPDATE users SET username = :name, username_key = :key WHERE user_id = :id")
    for user_id in final:
        conn.execute(update, {"id": user_id, "name": "", "key": "\x01" + user_id})
    for user_id, (name, key) in final.items():
        conn.execute(update, {"id": user_id, "name": name, "key": key})
    guests = conn.execute(sa.text("SELECT user_id, username FROM profiles")).all()
    for user_id, name in guests:
        if _folded(name) != name:
            conn.execute(
                sa.text("UPDATE profiles SET username = :name WHERE user_id = :id"),
                {"id": user_id, "name": _folded(name)},
            )


_REACTIONS = sa.table(
    "message_reactions",
    sa.column("message_id"),
    sa.column("user_id"),
    sa.column("reaction"),
    sa.column("created_at_ms"),
)


def _row(message_id: str, user_id: str, reaction: str) -> sa.ColumnElement[bool]:
    t = _REACTIONS.c
    return sa.and_(t.message_id == message_id, t.user_id == user_id, t.reaction == reaction)


def _reactions(conn: sa.Connection) -> None:
    table = UnicodeEmojiTable()
    t = _REACTIONS.c
    rows = conn.execute(sa.select(t.message_id, t.user_id, t.reaction, t.created_at_ms))
    changes = []
    for message_id, user_id, reaction, at in rows:
        form = table.canonical(reaction)
        if form != reaction:
            changes.append((message_id, user_id, reaction, at, form))
    for message_id, user_id, reaction, at, form in changes:
        this = _row(message_id, user_id, reaction)
        if form is None:
            conn.execute(sa.delete(_REACTIONS).where(this))
            continue
        held = conn.execute(
            sa.select(t.created_at_ms).where(_row(message_id, user_id, form))
        ).scalar_one_or_none()
        if held is None:
            conn.execute(sa.update(_REACTIONS).where(this).values(reaction=form))
            continue
        conn.execute(sa.delete(_REACTIONS).where(this))
        if at < held:
            conn.execute(
                sa.update(_REACTIONS)
                .where(_row(message_id, user_id, form))
                .values(created_at_ms=at)
            )


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("0012 rewrites rows in Python: run it against the database")
    conn = op.get_bind()
    _names(conn)
    _reactions(conn)


def downgrade() -> None:
    pass
