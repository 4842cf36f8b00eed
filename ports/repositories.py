"""Repositories: collections of aggregates inside one unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.addresses import RoomNetwork
from domain.model.audit import AuditEntry
from domain.model.changes import NewChange, StoredChange
from domain.model.members import Membership, Standing, UserProfile
from domain.model.messages import StoredMessage
from domain.model.page_sessions import PageSession, SessionCookie
from domain.model.reactions import Reactions
from domain.model.rooms import Room


class RoomRepository(Protocol):
    def get(self, room_id: str) -> Room | None: ...

    def get_many(self, room_ids: Sequence[str]) -> dict[str, Room]:
        """The rooms of these ids that exist, by id (one statement where the store allows)."""
        ...

    def add(self, room: Room) -> None:
        """Insert a new room; raises domain Conflict(ROOM_EXISTS) if the id is taken."""
        ...

    def update(self, room: Room) -> None:
        """Store a room's changed password, versions and settings, if the room of this id
        is still of the same incarnation when the unit commits (else nothing changes)."""
        ...

    def delete(self, room_id: str, incarnation: str) -> None:
        """Delete the room of this incarnation with all its messages and memberships (a
        room re-created under the id meanwhile is left alone)."""
        ...


class MessageRepository(Protocol):
    def add(self, message: StoredMessage) -> None: ...

    def add_many(self, messages: Sequence[StoredMessage]) -> None:
        """Insert several messages at once (one statement where the store allows), numbering
        each in its room, in the order given, by commit at the latest, as `add` numbers one."""
        # `prune` counts by these numbers.
        ...

    def prune(self, room_id: str, keep: int) -> None:
        """Delete the room's messages but those among the `keep` last numbered (this unit's
        included); the gap a message deleted on its own left counts in the window."""
        # Its cost must grow with what it deletes, never with the room's history.
        ...

    def page(self, room_id: str, limit: int, before: str | None = None) -> list[StoredMessage]:
        """Up to `limit` newest messages with id < before (all when None), newest first."""
        ...

    def get(self, room_id: str, message_id: str) -> StoredMessage | None: ...

    def update_text(
        self, room_id: str, message_id: str, ciphertext: bytes, edited_at_ms: int, offset: int = 0
    ) -> None:
        """Replace an existing message's (encrypted) text and mark it edited (its last
        change now `offset`); a message deleted meanwhile stays deleted."""
        ...

    def set_offset(self, room_id: str, message_id: str, offset: int) -> None:
        """Record that the message's last change is `offset` (a reaction to it)."""
        ...

    def sent(self, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """The message ids already sent under these (room id, user id, client id) keys, by key
        (one statement): what `remember_sent` recorded, kept while the room lives."""
        # Whatever became of the message: deleting it does not free its key.
        ...

    def remember_sent(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """Record (room id, user id, client id, message id) rows; a key taken twice, in this
        unit or by another, fails the commit (a unique constraint in SQL)."""
        ...

    def delete(self, room_id: str, message_id: str) -> None:
        """Delete the message and its reactions."""
        ...

    def clear(self, room_id: str) -> None:
        """Delete every message of the room, and their reactions."""
        ...

    def count(self, room_id: str) -> int: ...

    def ciphertexts(self, after: str | None, limit: int) -> list[tuple[str, str, bytes]]:
        """Up to `limit` messages of every room with id > after (all when None), by id, as
        (room id, message id, ciphertext): a key rotation's walk over everything stored."""
        ...

    def rekey(self, rows: Sequence[tuple[str, str, bytes, bytes]]) -> int:
        """For each (room id, message id, old, new), store `new` where the ciphertext is
        still `old` (an edit meanwhile wins, and is left as it is); how many were stored."""
        ...


class ChangeRepository(Protocol):
    """Each room's change stream (domain/model/changes.py): numbered, in order, pruned to
    its newest changes in steps; it goes with its room."""

    def lock(self, room_ids: Sequence[str]) -> None:
        """Hold these rooms' streams until the unit ends, so what it reads of them next (a
        send's client ids) no other writer changes meanwhile."""
        # A writer takes its rooms' streams before any other row it changes, in room-id order,
        # so two writers never wait on each other in a cycle.
        ...

    def append(self, room_id: str, changes: Sequence[NewChange], keep: int) -> list[int]:
        """Store the changes under the room's next offsets, in order, and return those; none
        given twice or skipped across concurrent units. Prunes to `keep` at `prune_due`."""
        ...

    def head(self, room_id: str) -> int:
        """The room's last offset given (0: none yet)."""
        ...

    def after(self, room_id: str, offset: int, limit: int) -> list[StoredChange]:
        """Up to `limit` of the room's changes after `offset`, oldest first, each with its
        message as stored now: one indexed read."""
        ...


class ReactionRepository(Protocol):
    """Who reacted with which emoji to which message; rows go with their message."""

    def toggle(
        self, room_id: str, message_id: str, user_id: str, reaction: str, at_ms: int
    ) -> bool:
        """Add this identity's reaction to the message, or take it back if it holds it:
        True if it holds the reaction now. The message must exist."""
        ...

    def of_messages(self, room_id: str, message_ids: Sequence[str]) -> dict[str, Reactions]:
        """The reactions of these messages of the room, in one statement, as
        `domain.model.reactions.group` orders them; a message without any is left out."""
        ...


class ProfileRepository(Protocol):
    def get(self, user_id: str) -> UserProfile | None: ...

    def put(self, profile: UserProfile) -> None: ...


class MembershipRepository(Protocol):
    def get(self, room_id: str, user_id: str) -> Membership | None: ...

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Membership]:
        """The memberships of these (room id, user id) pairs that exist, by pair."""
        ...

    def put(self, membership: Membership) -> None: ...

    def in_room(self, room_id: str) -> list[Membership]:
        """Every membership recorded under the room id, of any incarnation, by user id."""
        ...

    def delete(self, room_id: str, user_id: str) -> None: ...


class AddressRepository(Protocol):
    """Client addresses per room (keys from `edge.address_key`: an IPv4 address or an IPv6
    /64): those each identity used, so a ban reaches where it came from, and those banned."""

    # Recorded by the entrypoints; rows go with their room.

    def record(self, room_id: str, user_id: str, address: str, at_ms: int) -> None:
        """Remember that `user_id` used `address` in the room (once; at most
        MAX_ADDRESSES_PER_MEMBER per identity, the first ones)."""
        ...

    def of_member(self, room_id: str, user_id: str) -> list[str]: ...

    def ban(
        self, room_id: str, address: str, user_id: str, at_ms: int, until_ms: int | None = None
    ) -> None:
        """Bar the address from the room because of `user_id`, for good (a ban, lifted by
        unbanning it) or until `until_ms` (a kick), replacing its earlier bar of the address."""
        ...

    def barred(self, room_id: str, address: str, now_ms: int) -> Standing | None:
        """Whether the address is barred from the room now: BANNED, KICKED (a kick's hold
        still running), or None (`barred_by` decides)."""
        ...

    def unban_member(self, room_id: str, user_id: str) -> None:
        """Lift the address bans made because of `user_id`."""
        ...


MAX_ADDRESSES_PER_MEMBER = 16


class NetworkRepository(Protocol):
    """A room's verified networks and the addresses awaiting an admin's look."""

    def of_room(self, room_id: str) -> list[RoomNetwork]:
        """Every entry of the room, verified and pending, by network."""
        ...

    def put(self, entry: RoomNetwork) -> None:
        """Add or replace the entry of this network."""
        ...

    def delete(self, room_id: str, network: str) -> None: ...


class UserRepository(Protocol):
    def get(self, user_id: str) -> User | None: ...

    def by_username_key(self, username_key: str) -> User | None: ...

    def add(self, user: User) -> None:
        """Insert a new account or guest profile; Conflict USER_ID_TAKEN or USERNAME_TAKEN
        (now or on commit) if its user_id or username_key is taken."""
        ...

    def update(self, user: User) -> None:
        """Replace an existing user's name, key and avatar; Conflict USERNAME_TAKEN (now or on
        commit) if another user holds the new username_key."""
        ...


class RefreshTokenRepository(Protocol):
    """Refresh-token families and their tokens, by SHA-256 only (never the token itself)."""

    def add_family(self, family: RefreshFamily) -> None: ...

    def family(self, family_id: str) -> RefreshFamily | None: ...

    def revoke_family(self, family_id: str) -> bool:
        """Revoke the family; True if it was live until now."""
        ...

    def add(self, token: RefreshToken) -> None: ...

    def by_hash(self, token_hash: str) -> RefreshToken | None: ...

    def mark_used(self, token_hash: str) -> bool:
        """Mark an unused token used; False if it was used already (a replay, or a concurrent
        rotation first). A commit marking one twice raises Unauthorized(INVALID_REFRESH_TOKEN)."""
        ...


class PageSessionRepository(Protocol):
    """Page sessions and their cookie values, by SHA-256 only (never the value itself)."""

    def add_session(self, session: PageSession) -> None: ...

    def session(self, session_id: str) -> PageSession | None: ...

    def revoke(self, session_id: str) -> bool:
        """Revoke the session; True if it was live until now."""
        ...

    def add_cookie(self, cookie: SessionCookie) -> None: ...

    def cookie(self, token_hash: str) -> SessionCookie | None: ...

    def mark_used(self, token_hash: str) -> bool:
        """Mark an unused value used; False if it was used already (a replay, or a concurrent
        resume first). A commit marking one twice raises Unauthorized(INVALID_SESSION)."""
        ...


class AuditRepository(Protocol):
    """The audit log (domain/model/audit.py): append-only; kept when its room goes."""

    def add(self, entry: AuditEntry) -> None: ...

    def of_room(
        self, room_id: str, incarnation: str, limit: int, before: str | None = None
    ) -> list[AuditEntry]:
        """The entries of this incarnation of the room, newest first, older than entry id
        `before` when given; at most `limit`."""
        ...
