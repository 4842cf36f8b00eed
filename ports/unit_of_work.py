"""Unit of work: one transaction over every repository; events leave only through commit."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from domain.model.events import Event
from ports.repositories import (
    AddressRepository,
    AuditRepository,
    ChangeRepository,
    MembershipRepository,
    MessageRepository,
    NetworkRepository,
    PageSessionRepository,
    ProfileRepository,
    ReactionRepository,
    RefreshTokenRepository,
    RoomRepository,
    UserRepository,
)


class UnitOfWork(Protocol):
    # Read-only to callers, so an adapter may hold its own repository types here.
    @property
    def rooms(self) -> RoomRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def reactions(self) -> ReactionRepository: ...

    @property
    def changes(self) -> ChangeRepository: ...

    @property
    def profiles(self) -> ProfileRepository: ...

    @property
    def memberships(self) -> MembershipRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def addresses(self) -> AddressRepository: ...

    @property
    def networks(self) -> NetworkRepository: ...

    @property
    def page_sessions(self) -> PageSessionRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless commit() was called."""
        ...

    def record(self, event: Event) -> None:
        """Queue an event; it is released only if this unit of work commits."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def collect_events(self) -> list[Event]:
        """The events of a successful commit (empty after a rollback)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """A fresh unit of work; `write=True` declares the intent to write up front."""
        ...
