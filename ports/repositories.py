"""Repositories: collections of aggregates inside one unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

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
