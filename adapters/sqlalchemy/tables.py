"""The schema, once for SQLite and Postgres. Alembic migrations must produce exactly this."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

rooms = Table(
    "rooms",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("incarnation", String(36), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("password_version", Integer, nullable=False),
    Column("admin_version", Integer, nullable=False, server_default="1"),
    Column("created_by", String(64), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("message_limit", Integer, nullable=True),
    Column("ip_policy", String(16), nullable=False, server_default="off"),
    Column("admin_password_hash", String(255), nullable=True),
    # How many messages the room was ever given: the last number of messages.seq. A send
    # batch raises it with one UPDATE ... RETURNING per room, which on Postgres also locks
    # the row until commit, so two processes never hand out the same numbers.
    Column("message_seq", BigInteger, nullable=False, server_default="0"),
    # Whom the owner handed the room to; NULL: its creator (`created_by`) still holds it.
    Column("owner_id", String(64), nullable=True),
    # The last offset of the room's change stream (room_changes.seq); raised like
    # message_seq, with one UPDATE ... RETURNING per room and unit, which orders writers.
    Column("change_offset", BigInteger, nullable=False, server_default="0"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("room_id", String(64), ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("username", String(128), nullable=False),
    # Only ciphertext is ever stored here (Fernet tokens).
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    # The sender had no password (a room token or a guest profile): shown as "guest".
    Column("guest", Boolean, nullable=False, server_default=false()),
    # The message's number in its room (1, 2, ...; rooms.message_seq is the last given).
    # Pruning deletes `seq <= last - keep`: one range of the index below, never a count.
    # (Migration 0010 added it on SQLite with a DEFAULT 0, which SQLite requires of a NOT
    # NULL column added in place; every insert gives a number, and the index is unique.)
    Column("seq", BigInteger, nullable=False),
    # When its sender last edited the text (ciphertext then holds the new text); NULL: never.
    Column("edited_at_ms", BigInteger, nullable=True),
    # The room_changes.seq of its last change (its post, an edit, a reaction); 0: before 0013.
    Column("change_offset", BigInteger, nullable=False, server_default="0"),
    # Keyset pagination: newest page before a cursor is one index range scan.
    Index("ix_messages_room_id_id", "room_id", "id"),
    Index("ix_messages_room_id_seq", "room_id", "seq", unique=True),
)

# Who reacted with which emoji (domain.model.reactions) to which message: one row per
# identity and emoji; the rows go with their message (ON DELETE CASCADE), whether it is
# deleted, cleared with its room's history, pruned or deleted with its room.
message_reactions = Table(
    "message_reactions",
    metadata,
    Column("room_id", String(64), nullable=False),
    Column(
        "message_id",
        String(36),
        ForeignKey("messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", String(64), primary_key=True),
    Column("reaction", String(32), primary_key=True),
    Column("created_at_ms", BigInteger, nullable=False),
    # A history page's reactions, one statement: room_id = ? AND message_id IN (...).
    Index("ix_message_reactions_room_id_message_id", "room_id", "message_id"),
)

# Each room's change stream (domain/model/changes.py): what a reconnecting client missed,
# in order, read as one range of the primary key. No text: a change names its message,
# whose row holds the text (so a deleted message's text goes with it); a reaction update
# holds the reactions (user ids and emoji) as JSON. Pruned to the room's newest
# SECURECHAT_RECOVERY_LIMIT changes in steps; the rows go with their room.
room_changes = Table(
    "room_changes",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event", String(32), nullable=False),
    Column("message_id", String(36), nullable=True),
    Column("data", LargeBinary, nullable=True),
)

# Sends' idempotency keys: the message first sent under (room, identity, client_id). The
# primary key is what makes two racing repeats one message. Kept while the room lives,
# whatever becomes of the message, so a late repeat never posts it again.
sent_messages = Table(
    "sent_messages",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", String(64), primary_key=True),
    Column("client_id", String(64), primary_key=True),
    Column("message_id", String(36), nullable=False),
)

profiles = Table(
    "profiles",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("username", String(128), nullable=False),
    Column("avatar", String(2048), nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    # The room incarnation joined: a membership never opens a later room under the same id.
    Column("incarnation", String(36), nullable=False),
    # active, kicked (until `until_ms`) or banned (domain.model.members.Standing).
    Column("standing", String(16), nullable=False, server_default="active"),
    Column("until_ms", BigInteger, nullable=True),
)

# The client addresses (edge.address_key) each identity used in a room: banning a guest bans
# them too. At most MAX_ADDRESSES_PER_MEMBER per identity.
member_addresses = Table(
    "member_addresses",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", String(64), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("created_at_ms", BigInteger, nullable=False),
)

# Networks an admin verified for a room (IP policy), and addresses awaiting a look.
room_networks = Table(
    "room_networks",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("network", String(64), primary_key=True),
    Column("verified", Boolean, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

# Addresses barred from a room, each because of one identity: banned (`until_ms` NULL:
# until that identity is unbanned), or held by its kick until `until_ms`.
address_bans = Table(
    "address_bans",
    metadata,
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("address", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("until_ms", BigInteger, nullable=True),
)

# Accounts and guest profiles (no password: password_hash NULL), in one table, so that user
# ids and username keys are unique across both kinds. Passwords only as argon2id hashes;
# refresh tokens only as SHA-256 hex digests.
users = Table(
    "users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("username", String(128), nullable=False),
    # NFKC + case fold: the unique constraint is what settles two racing sign-ups.
    Column("username_key", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("avatar", String(2048), nullable=True),
)

refresh_families = Table(
    "refresh_families",
    metadata,
    Column("family_id", String(36), primary_key=True),
    Column(
        "user_id",
        String(64),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("revoked", Boolean, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "family_id",
        String(36),
        ForeignKey("refresh_families.family_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("used", Boolean, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

# Page sessions (domain/model/page_sessions.py): what a reloaded page resumes, and the
# values of its cookie, by SHA-256 only. They go with their room.
page_sessions = Table(
    "page_sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column(
        "room_id",
        String(64),
        ForeignKey("rooms.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("user_id", String(64), nullable=False),
    Column("username", String(128), nullable=False),
    Column("user_token", Boolean, nullable=False),
    Column("role", String(16), nullable=False),
    Column("incarnation", String(36), nullable=False),
    Column("password_version", Integer, nullable=False),
    Column("admin_version", Integer, nullable=False),
    Column("guest", Boolean, nullable=False),
    Column("session_start", BigInteger, nullable=False),
    Column("family_id", String(36), nullable=True),
    Column("revoked", Boolean, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

session_cookies = Table(
    "session_cookies",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "session_id",
        String(36),
        ForeignKey("page_sessions.session_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("used", Boolean, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

# The audit log (domain/model/audit.py): no foreign key, so that a room's entries outlive
# it (its deletion is one of them); read by room and incarnation, newest first.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("at_ms", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("room_id", String(64), nullable=True),
    Column("incarnation", String(36), nullable=True),
    Column("target", String(64), nullable=True),
    Column("address", String(64), nullable=False),
    Column("detail", String(256), nullable=False),
    Index("ix_audit_log_room_id_incarnation_id", "room_id", "incarnation", "id"),
)
