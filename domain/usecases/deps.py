"""What the use cases are given: ports and a few numbers, wired by a composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from domain.model.changes import DEFAULT_RECOVERY_LIMIT
from domain.model.events import Event
from domain.model.messages import DEFAULT_EDIT_WINDOW_S, DEFAULT_MAX_MESSAGE_BYTES
from domain.model.policies import DEFAULT_POLICY, AccessPolicy
from domain.model.presence import DEFAULT_TYPING_S
from ports.cipher import Cipher
from ports.clock import Clock, IdGenerator
from ports.health import Probe
from ports.metrics import Metrics, NoMetrics
from ports.passwords import PasswordHasher
from ports.presence import PresenceStore
from ports.text import EmojiTable
from ports.tokens import TokenService
from ports.unit_of_work import UnitOfWorkFactory

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CoreConfig:
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    room_token_ttl_s: int = 3600
    admin_token_ttl_s: int = 30 * 24 * 3600
    user_token_ttl_s: int = 15 * 60  # a user's access token: short, refresh tokens renew it
    refresh_token_ttl_s: int = 30 * 24 * 3600  # each refresh token; rotation slides it on
    kick_s: int = 10 * 60  # how long a kicked identity stays out
    typing_s: int = DEFAULT_TYPING_S  # how long "typing" lasts without a new start or a stop
    # How many messages a room whose own message_limit is unset keeps (0: every message).
    message_limit: int = 0
    edit_window_s: int = DEFAULT_EDIT_WINDOW_S  # how long a sender may edit a message
    # How long a guest identity's session lasts, renewals included (sessions.renewed_expiry).
    guest_session_ttl_s: int = 7 * 24 * 3600
    # How long a page session's cookie lasts unused; each resume gives a fresh one.
    session_cookie_ttl_s: int = 7 * 24 * 3600
    # How many changes one recovery gives at most; each room's stream keeps about as many.
    recovery_limit: int = DEFAULT_RECOVERY_LIMIT


@dataclass(frozen=True, slots=True)
class Deps:
    uow: UnitOfWorkFactory
    cipher: Cipher
    hasher: PasswordHasher
    tokens: TokenService
    clock: Clock
    ids: IdGenerator
    presence: PresenceStore
    emoji: EmojiTable
    config: CoreConfig = field(default_factory=CoreConfig)
    policy: AccessPolicy = DEFAULT_POLICY
    # The parts readiness asks (the database; Redis when configured): none in memory.
    probes: tuple[Probe, ...] = ()
    # What the entrypoints count for GET /metrics (ports/metrics.py); no use case counts.
    metrics: Metrics = field(default_factory=NoMetrics)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A use case's result and the events its commit released, for the entrypoint to emit."""

    value: T
    events: list[Event] = field(default_factory=list)
