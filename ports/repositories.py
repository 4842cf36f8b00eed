"""Repositories: collections of aggregates inside one unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.members import Membership, UserProfile
from domain.model.messages import StoredMessage
from domain.model.rooms import Room


class RoomRepository(Protocol):
    def get(self, room_id: str) -> Room | None: ...

    def add(self, room: Room) -> None:
        """Insert a new room; raises domain Conflict(ROOM_EXISTS) if the id is taken."""
        ...


class MessageRepository(Protocol):
    def add(self, message: StoredMessage) -> None: ...

    def add_many(self, messages: Sequence[StoredMessage]) -> None:
        """Insert several messages at once (one statement where the store allows)."""
        ...

    def page(self, room_id: str, limit: int, before: str | None = None) -> list[StoredMessage]:
        """Up to `limit` newest messages with id < before (all when None), newest first."""
        ...


class ProfileRepository(Protocol):
    def get(self, user_id: str) -> UserProfile | None: ...

    def put(self, profile: UserProfile) -> None: ...


class MembershipRepository(Protocol):
    def get(self, room_id: str, user_id: str) -> Membership | None: ...

    def put(self, membership: Membership) -> None: ...


class UserRepository(Protocol):
    def get(self, user_id: str) -> User | None: ...

    def by_username_key(self, username_key: str) -> User | None: ...

    def add(self, user: User) -> None:
        """Insert a new account or guest profile; raises domain Conflict(USER_ID_TAKEN) if
        its user_id is taken, Conflict(USERNAME_TAKEN) if its username_key is (either now
        or on commit)."""
        ...

    def update(self, user: User) -> None:
        """Replace an existing user's name, key and avatar; raises domain
        Conflict(USERNAME_TAKEN) if another user holds the new username_key (now or on
        commit)."""
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
        """Mark an unused token used; False if it was used already (a replay, or a
        concurrent rotation that got there first). A commit that would mark a token used
        twice raises domain Unauthorized(INVALID_REFRESH_TOKEN) instead of applying."""
        ...
