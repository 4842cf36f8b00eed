"""Test helpers shared by unit and adapter tests: a settable clock, a counting wrapper of the
real hasher, wiring."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine

from adapters.auth.jwt_tokens import JwtTokenService
from adapters.crypto.argon2_hasher import Argon2Hasher
from adapters.crypto.fernet_cipher import FernetCipher
from adapters.memory.presence import MemoryPresenceStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.sqlalchemy import migrations
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from domain.model.policies import Claims, RoomTokenClaims, UserTokenClaims
from domain.usecases import Deps
from domain.usecases.access import authenticate
from domain.usecases.accounts import SignedIn, register
from domain.usecases.create_room import create_room
from domain.usecases.verify_room import verify_room_password

JWT_SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
ISSUER = "securechat-test"
AUDIENCE = "securechat-test-clients"
PASSWORD = "correct horse battery"  # noqa: S105 - test data

F = TypeVar("F", bound=Callable[..., object])


class FakeClock:
    """A Clock whose time only moves when a test says so.

    It starts at the real time, because PyJWT checks `exp`/`iat` against the system clock.
    """

    def __init__(self, now_ms: int | None = None) -> None:
        self.current_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms

    def now_ms(self) -> int:
        return self.current_ms

    def set(self, now_ms: int) -> None:
        self.current_ms = now_ms

    def advance(self, *, seconds: float = 0, ms: int = 0) -> None:
        self.current_ms += int(seconds * 1000) + ms


class CountingHasher:
    """The real Argon2 hasher, counting how often it is asked to do work."""

    def __init__(self, inner: Argon2Hasher) -> None:
        self.inner = inner
        self.hash_calls = 0
        self.verify_calls = 0

    def hash(self, password: str) -> str:
        self.hash_calls += 1
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verify_calls += 1
        return self.inner.verify(password_hash, password)


def doubler(calls: list[list[int]]) -> Callable[[list[int]], list[int]]:
    """A batch function for the batchers' tests: records each batch, doubles every item."""

    def run(items: list[int]) -> list[int]:
        calls.append(list(items))
        return [item * 2 for item in items]

    return run


def migrated_factory(url: str, engines: list[Engine]) -> SqlUnitOfWorkFactory:
    """A unit-of-work factory on a database migrated to head; its engine joins `engines`
    for the caller to dispose of."""
    migrations.upgrade(url)
    engine = make_engine(url)
    engines.append(engine)
    return SqlUnitOfWorkFactory(engine)


def fast_hasher() -> Argon2Hasher:
    return Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)


class BrokenCipher:
    """A cipher that always fails: a batch of sends that cannot be stored."""

    def encrypt(self, plaintext: bytes) -> bytes:
        raise RuntimeError("the disk is on fire")

    def decrypt(self, ciphertext: bytes) -> bytes:
        raise RuntimeError("the disk is on fire")


@dataclass
class World:
    """Deps plus handles on the concrete adapters behind them, for assertions."""

    deps: Deps
    clock: FakeClock
    store_factory: MemoryUnitOfWorkFactory
    cipher: FernetCipher
    hasher: CountingHasher
    tokens: JwtTokenService
    presence: MemoryPresenceStore


def member_claims(world: World, room_id: str, username: str | None = None) -> RoomTokenClaims:
    """The claims of a new member of `room_id` (created with PASSWORD)."""
    access = verify_room_password(world.deps, room_id, PASSWORD, username).value
    claims = authenticate(world.deps, access.token)
    assert isinstance(claims, RoomTokenClaims)
    return claims


def signed_in_user(world: World, username: str = "alice") -> tuple[SignedIn, UserTokenClaims]:
    """A new account, signed in: what it was given, and its access token's claims."""
    signed = register(world.deps, username, PASSWORD).value
    return signed, world.tokens.verify_user_token(signed.access_token)


def room_admin(world: World, room_id: str = "lobby") -> Claims:
    """The admin token's claims of a new room `room_id` (created with PASSWORD)."""
    token = create_room(world.deps, room_id, PASSWORD).value.admin_token
    return authenticate(world.deps, token)


class Coverage:
    """Which entries of a table (ROUTES, SOCKET_EVENTS) have a direct test of their success
    and of a refusal. A test marked `@covered.success(name)` or `@covered.refusal(name)`
    counts; the marks are made at import, so the check sees them all whatever runs first."""

    KINDS = ("success", "refusal")

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {}

    def success(self, name: str) -> Callable[[F], F]:
        return self._mark(name, "success")

    def refusal(self, name: str) -> Callable[[F], F]:
        return self._mark(name, "refusal")

    def _mark(self, name: str, kind: str) -> Callable[[F], F]:
        def mark(test: F) -> F:
            self.seen.setdefault(name, set()).add(kind)
            return test

        return mark

    def gaps(self, names: Iterable[str]) -> list[str]:
        """What the table has without a test, and what the tests name that it lacks."""
        table = list(names)
        untested = [
            f"{name}: no {kind} test"
            for name in table
            for kind in self.KINDS
            if kind not in self.seen.get(name, set())
        ]
        return untested + [
            f"{name}: tested but not in the table" for name in self.seen if name not in table
        ]
