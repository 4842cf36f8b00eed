"""Alembic migrations on SQLite and Postgres: round trips, and the schema they produce."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import migrations
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.tables import metadata

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEAD = "0015"
TABLES = {
    "rooms",
    "messages",
    "profiles",
    "memberships",
    "users",
    "refresh_families",
    "refresh_tokens",
    "member_addresses",
    "address_bans",
    "room_networks",
    "message_reactions",
    "room_changes",
    "sent_messages",
    "page_sessions",
    "session_cookies",
    "audit_log",
}


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def _schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_head_is_the_latest_revision(database_url: str) -> None:
    assert migrations.head_revision(database_url) == HEAD
    assert migrations.current_revision(database_url) is None


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    migrations.upgrade(database_url)
    assert migrations.current_revision(database_url) == HEAD
    assert _tables(database_url) == TABLES | {"alembic_version"}

    migrations.downgrade(database_url, "base")
    assert migrations.current_revision(database_url) is None

    migrations.upgrade(database_url, "head")
    assert migrations.current_revision(database_url) == HEAD
    assert _tables(database_url) == TABLES | {"alembic_version"}
    assert _schema_diff(database_url) == []


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    migrations.upgrade(database_url)
    migrations.upgrade(database_url)
    assert migrations.current_revision(database_url) == HEAD


def test_migrated_schema_matches_the_tables_module(database_url: str) -> None:
    migrations.upgrade(database_url)
    assert _schema_diff(database_url) == []


def test_an_empty_database_differs_from_the_tables_module(database_url: str) -> None:
    # Guards the comparison itself: it does see missing tables.
    diff = _schema_diff(database_url)
    added = {entry[1].name for entry in diff if entry[0] == "add_table"}  # type: ignore[index]
    assert added == TABLES


def test_downgrade_base_leaves_only_the_version_table(database_url: str) -> None:
    migrations.upgrade(database_url)
    migrations.downgrade(database_url, "base")
    assert _tables(database_url) == {"alembic_version"}
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 0
            if conn.dialect.name == "sqlite":
                leftovers = conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type IN ('index', 'table')")
                ).scalars()
                assert {n for n in leftovers if not n.startswith("sqlite_")} == {"alembic_version"}
    finally:
        engine.dispose()


def test_migrated_schema_enforces_keys_and_cascades(database_url: str) -> None:
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'i', 'h', 1, 'g', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                    " created_at_ms, seq) VALUES ('m', 'r', 'u', 'n', :ct, 1, 1)"
                ),
                {"ct": b"x"},
            )
            conn.execute(
                text(
                    "INSERT INTO memberships (room_id, user_id, role, created_at_ms,"
                    " incarnation) VALUES ('r', 'u', 'member', 1, 'i')"
                )
            )
            conn.execute(text("DELETE FROM rooms WHERE id = 'r'"))
            assert conn.execute(text("SELECT count(*) FROM messages")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM memberships")).scalar_one() == 0
    finally:
        engine.dispose()


def test_migrated_accounts_keep_username_keys_unique_and_cascade(database_url: str) -> None:
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    insert_user = text(
        "INSERT INTO users (user_id, username, username_key, password_hash, created_at_ms)"
        " VALUES (:id, :name, :key, 'h', 1)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert_user, {"id": "u_1", "name": "Alice", "key": "alice"})
            conn.execute(
                text(
                    "INSERT INTO refresh_families (family_id, user_id, revoked, created_at_ms)"
                    " VALUES ('f', 'u_1', false, 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO refresh_tokens (token_hash, family_id, used, expires_at_ms,"
                    " created_at_ms) VALUES ('h', 'f', false, 2, 1)"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert_user, {"id": "u_2", "name": "ALICE", "key": "alice"})
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE user_id = 'u_1'"))
            assert conn.execute(text("SELECT count(*) FROM refresh_families")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM refresh_tokens")).scalar_one() == 0
    finally:
        engine.dispose()


def test_upgrading_a_0001_database_keeps_its_rooms(database_url: str) -> None:
    migrations.upgrade(database_url, "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'i', 'h', 1, 'g', 1)"
                )
            )
        migrations.upgrade(database_url)
        assert migrations.current_revision(database_url) == HEAD
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM rooms")).scalars().all() == ["r"]
        migrations.downgrade(database_url, "0001")
        assert _tables(database_url) == {"rooms", "messages", "profiles", "memberships"} | {
            "alembic_version"
        }
    finally:
        engine.dispose()


def test_upgrading_a_0002_database_binds_memberships_to_their_rooms_incarnation(
    database_url: str,
) -> None:
    migrations.upgrade(database_url, "0002")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'inc-1', 'h', 1, 'g', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO memberships (room_id, user_id, role, created_at_ms)"
                    " VALUES ('r', 'g_1', 'admin', 1)"
                )
            )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT user_id, role, incarnation FROM memberships"))
            assert [tuple(row) for row in rows] == [("g_1", "admin", "inc-1")]
        migrations.downgrade(database_url, "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM memberships")).scalar_one() == 1
    finally:
        engine.dispose()


def _rows(conn: Connection) -> tuple[int, int]:
    messages = conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
    members = conn.execute(text("SELECT count(*) FROM memberships")).scalar_one()
    return int(messages), int(members)


def test_0004_starts_admin_tokens_at_version_1_and_keeps_what_rooms_hold(
    database_url: str,
) -> None:
    """Both ways, without losing a room's messages or members (a table rebuild of `rooms`
    on SQLite would cascade their deletion)."""
    migrations.upgrade(database_url, "0003")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'inc-1', 'h', 3, 'g', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                    " created_at_ms) VALUES ('m', 'r', 'g', 'n', :c, 1)"
                ),
                {"c": b"x"},
            )
            conn.execute(
                text(
                    "INSERT INTO memberships (room_id, user_id, role, created_at_ms, incarnation)"
                    " VALUES ('r', 'g', 'admin', 1, 'inc-1')"
                )
            )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.connect() as conn:
            row = conn.execute(text("SELECT password_version, admin_version FROM rooms")).one()
            assert tuple(row) == (3, 1)
            assert _rows(conn) == (1, 1)
        migrations.downgrade(database_url, "0003")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM rooms")).scalars().all() == ["r"]
            assert _rows(conn) == (1, 1)
    finally:
        engine.dispose()


def test_0006_makes_existing_memberships_active(database_url: str) -> None:
    migrations.upgrade(database_url, "0004")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'inc-1', 'h', 1, 'g', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO memberships (room_id, user_id, role, created_at_ms, incarnation)"
                    " VALUES ('r', 'g', 'admin', 1, 'inc-1')"
                )
            )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.connect() as conn:
            row = conn.execute(text("SELECT role, standing, until_ms FROM memberships")).one()
            assert tuple(row) == ("admin", "active", None)
        migrations.downgrade(database_url, "0004")
        with engine.connect() as conn:
            assert _rows(conn) == (0, 1)
    finally:
        engine.dispose()


def test_upgrading_a_0003_database_marks_room_guests_messages_and_allows_guest_profiles(
    database_url: str,
) -> None:
    migrations.upgrade(database_url, "0003")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'inc-1', 'h', 1, 'g_1', 1)"
                )
            )
            for message_id, user_id in (("m1", "g_1"), ("m2", "u_1")):
                conn.execute(
                    text(
                        "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                        " created_at_ms) VALUES (:id, 'r', :user_id, 'n', :c, 1)"
                    ),
                    {"id": message_id, "user_id": user_id, "c": b"x"},
                )
            conn.execute(
                text(
                    "INSERT INTO users (user_id, username, username_key, password_hash,"
                    " created_at_ms) VALUES ('u_1', 'Alice', 'alice', 'h', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO refresh_families (family_id, user_id, revoked, created_at_ms)"
                    " VALUES ('f_1', 'u_1', false, 1)"
                )
            )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.begin() as conn:
            families = conn.execute(text("SELECT family_id FROM refresh_families"))
            assert families.scalars().all() == ["f_1"]
            rows = conn.execute(text("SELECT user_id, guest FROM messages ORDER BY id"))
            assert [(row[0], bool(row[1])) for row in rows] == [("g_1", True), ("u_1", False)]
            # A guest profile: no password; its name key shares the accounts' constraint.
            conn.execute(
                text(
                    "INSERT INTO users (user_id, username, username_key, created_at_ms, avatar)"
                    " VALUES ('fox', 'Fox', 'fox', 2, 'https://example.org/a.png')"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (user_id, username, username_key, created_at_ms)"
                    " VALUES ('owl', 'ALICE', 'alice', 3)"
                )
            )
        migrations.downgrade(database_url, "0003")
        with engine.connect() as conn:
            users = conn.execute(text("SELECT user_id FROM users")).scalars().all()
            assert users == ["u_1"]  # guest profiles cannot exist without a password
            assert conn.execute(text("SELECT count(*) FROM messages")).scalar_one() == 2
            # Rebuilding `users` (SQLite's batch mode) signed no one out, either way.
            families = conn.execute(text("SELECT family_id FROM refresh_families"))
            assert families.scalars().all() == ["f_1"]
    finally:
        engine.dispose()


def test_0009_keeps_messages_unedited_and_reactions_go_with_their_message(
    database_url: str,
) -> None:
    """Both ways without losing a message; a reaction row is deleted with its message by
    the database itself (ON DELETE CASCADE), whoever deletes the message."""
    migrations.upgrade(database_url, "0008")
    engine = make_engine(database_url)
    insert_reaction = text(
        "INSERT INTO message_reactions (room_id, message_id, user_id, reaction, created_at_ms)"
        " VALUES ('r', :m, 'u', :e, 2)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'inc-1', 'h', 1, 'g', 1)"
                )
            )
            for message_id in ("m1", "m2"):
                conn.execute(
                    text(
                        "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                        " created_at_ms) VALUES (:id, 'r', 'u', 'n', :c, 1)"
                    ),
                    {"id": message_id, "c": b"x"},
                )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, edited_at_ms FROM messages ORDER BY id"))
            assert [tuple(row) for row in rows] == [("m1", None), ("m2", None)]
            for message_id in ("m1", "m2"):
                conn.execute(insert_reaction, {"m": message_id, "e": "\U0001f44d"})
            conn.execute(insert_reaction, {"m": "m1", "e": "\u2764\ufe0f"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert_reaction, {"m": "m1", "e": "\U0001f44d"})  # once per emoji
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert_reaction, {"m": "no such message", "e": "\U0001f44d"})
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messages WHERE id = 'm1'"))
            left = conn.execute(text("SELECT message_id FROM message_reactions"))
            assert left.scalars().all() == ["m2"]
        migrations.downgrade(database_url, "0008")
        assert "message_reactions" not in _tables(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM messages")).scalars().all() == ["m2"]
    finally:
        engine.dispose()


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m entrypoints.cli db ...` with no SECURECHAT_* settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECURECHAT_")}
    env["SECURECHAT_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "db", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    result = _cli(tmp_path, "upgrade", "--database", url)
    assert result.returncode == 0, result.stderr
    assert f"schema at {HEAD}" in result.stdout
    assert migrations.current_revision(url) == HEAD
    assert _schema_diff(url) == []

    current = _cli(tmp_path, "current", "--database", url)
    assert current.returncode == 0, current.stderr
    assert f"schema at {HEAD}" in current.stdout


def test_cli_db_refuses_a_downgrade_without_target_and_the_memory_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    no_target = _cli(tmp_path, "downgrade", "--database", url)
    assert no_target.returncode == 2
    assert "target revision" in no_target.stderr

    memory = _cli(tmp_path, "upgrade", "--database", "memory")
    assert memory.returncode == 2
    assert "memory store has no schema" in memory.stderr


def test_0010_numbers_existing_messages_per_room_in_id_order(database_url: str) -> None:
    migrations.upgrade(database_url, "0008")
    engine = make_engine(database_url)
    insert_message = text(
        "INSERT INTO messages (id, room_id, user_id, username, ciphertext, created_at_ms)"
        " VALUES (:id, :room, 'g_1', 'n', :c, 1)"
    )
    try:
        with engine.begin() as conn:
            for room_id in ("a", "b", "empty"):
                conn.execute(
                    text(
                        "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                        " created_by, created_at_ms) VALUES (:id, 'i', 'h', 1, 'g_1', 1)"
                    ),
                    {"id": room_id},
                )
            # Inserted out of order: numbers follow the ids (UUIDv7: creation time).
            for message_id, room_id in (("m3", "a"), ("m1", "a"), ("m2", "b"), ("m4", "a")):
                conn.execute(insert_message, {"id": message_id, "room": room_id, "c": b"x"})
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, room_id, seq FROM messages ORDER BY id"))
            assert [tuple(row) for row in rows] == [
                ("m1", "a", 1),
                ("m2", "b", 1),
                ("m3", "a", 2),
                ("m4", "a", 3),
            ]
            counters = conn.execute(text("SELECT id, message_seq FROM rooms ORDER BY id"))
            assert [tuple(row) for row in counters] == [("a", 3), ("b", 1), ("empty", 0)]
            # A room's numbers are unique.
            with pytest.raises(IntegrityError), conn.begin_nested():
                conn.execute(
                    text(
                        "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                        " created_at_ms, seq) VALUES ('m5', 'a', 'g', 'n', :c, 1, 3)"
                    ),
                    {"c": b"x"},
                )
        migrations.downgrade(database_url, "0008")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM messages")).scalar_one() == 4
            assert "seq" not in {c["name"] for c in inspect(conn).get_columns("messages")}
            assert "message_seq" not in {c["name"] for c in inspect(conn).get_columns("rooms")}
    finally:
        engine.dispose()


def test_0012_folds_names_keeps_keys_unique_and_puts_reactions_in_one_form(
    database_url: str,
) -> None:
    migrations.upgrade(database_url, "0011")
    engine = make_engine(database_url)
    thumbs, heart = "\U0001f44d", "\u2764\ufe0f"
    try:
        with engine.begin() as conn:
            # Stored under the old rule: outer and repeated spaces kept, each its own key.
            for user_id, name, at in (
                ("u_pad", " Zoe", 1),  # earliest, but padded
                ("u_zoe", "Zoe", 2),  # already folded: keeps "Zoe"
                ("u_trail", "Zoe ", 3),
                ("u_run", "Ann  Lee", 4),  # folds without a clash
                ("u_long", "x" * 31 + " ", 5),
                ("u_longer", "x" * 31, 6),
            ):
                conn.execute(
                    text(
                        "INSERT INTO users (user_id, username, username_key, password_hash,"
                        " created_at_ms) VALUES (:id, :name, :key, 'h', :at)"
                    ),
                    {"id": user_id, "name": name, "key": name.casefold(), "at": at},
                )
            conn.execute(
                text(
                    "INSERT INTO profiles (user_id, username, created_at_ms)"
                    " VALUES ('g_1', '  Rook  Two ', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'i', 'h', 1, 'g_1', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                    " created_at_ms, seq) VALUES ('m', 'r', 'g_1', 'n', :c, 1, 1)"
                ),
                {"c": b"x"},
            )
            for user_id, reaction, at in (
                ("a", thumbs, 5),
                ("a", thumbs + "\ufe0f", 3),  # a's own thumbs again: merged, earlier time
                ("b", thumbs + "\ufe0e", 4),  # b's only thumbs: becomes the one form
                ("b", "\u2764", 6),  # unqualified heart
                ("c", "\U0001fc00", 7),  # not in the table: deleted
                ("c", thumbs + "\U0001f3fd\U0001f3fd", 8),  # nor this
                ("c", heart, 9),  # already in its form: untouched
            ):
                conn.execute(
                    text(
                        "INSERT INTO message_reactions (room_id, message_id, user_id,"
                        " reaction, created_at_ms) VALUES ('r', 'm', :u, :e, :at)"
                    ),
                    {"u": user_id, "e": reaction, "at": at},
                )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.connect() as conn:
            users = conn.execute(text("SELECT user_id, username, username_key FROM users"))
            assert {row[0]: (row[1], row[2]) for row in users} == {
                "u_zoe": ("Zoe", "zoe"),
                "u_pad": ("Zoe (2)", "zoe (2)"),
                "u_trail": ("Zoe (3)", "zoe (3)"),
                "u_run": ("Ann Lee", "ann lee"),
                "u_longer": ("x" * 31, "x" * 31),
                "u_long": ("x" * 28 + " (2)", "x" * 28 + " (2)"),
            }
            guest = conn.execute(text("SELECT username FROM profiles")).scalar_one()
            assert guest == "Rook Two"
            rows = conn.execute(
                text("SELECT user_id, reaction, created_at_ms FROM message_reactions")
            )
            assert {tuple(row) for row in rows} == {
                ("a", thumbs, 3),
                ("b", thumbs, 4),
                ("b", heart, 6),
                ("c", heart, 9),
            }
        migrations.downgrade(database_url, "0011")  # changes nothing back, refuses nothing
        migrations.upgrade(database_url)  # and again: every row is in its form already
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM message_reactions")).scalar_one() == 4
            names = conn.execute(text("SELECT username FROM users WHERE user_id = 'u_zoe'"))
            assert names.scalar_one() == "Zoe"
    finally:
        engine.dispose()


def test_0013_starts_streams_at_0_and_a_client_id_is_one_row_per_identity_and_room(
    database_url: str,
) -> None:
    migrations.upgrade(database_url, "0012")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rooms (id, incarnation, password_hash, password_version,"
                    " created_by, created_at_ms) VALUES ('r', 'i', 'h', 1, 'g_1', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO messages (id, room_id, user_id, username, ciphertext,"
                    " created_at_ms, seq) VALUES ('m', 'r', 'g_1', 'n', :c, 1, 1)"
                ),
                {"c": b"x"},
            )
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
        with engine.begin() as conn:
            # What was there before has no change of its stream: offset 0.
            assert conn.execute(text("SELECT change_offset FROM rooms")).scalar_one() == 0
            assert conn.execute(text("SELECT change_offset FROM messages")).scalar_one() == 0
            conn.execute(
                text(
                    "INSERT INTO sent_messages (room_id, user_id, client_id, message_id)"
                    " VALUES ('r', 'g_1', 'k', 'm')"
                )
            )
            conn.execute(
                text("INSERT INTO room_changes (room_id, seq, event) VALUES ('r', 1, 'message')")
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO sent_messages (room_id, user_id, client_id, message_id)"
                    " VALUES ('r', 'g_1', 'k', 'm2')"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO room_changes (room_id, seq, event) VALUES ('r', 1, 'message')")
            )
        migrations.downgrade(database_url, "0012")
        assert {"room_changes", "sent_messages"}.isdisjoint(_tables(database_url))
        migrations.upgrade(database_url)
        assert _schema_diff(database_url) == []
    finally:
        engine.dispose()
