"""Account storage on every backend (memory, SQLite, Postgres): users, refresh families and
tokens, and the use cases over each; what is stored holds no password and no raw token."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from adapters.auth.jwt_tokens import JwtTokenService
from adapters.crypto.fernet_cipher import FernetCipher, generate_key
from adapters.memory.presence import MemoryPresenceStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.sqlalchemy import tables
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from adapters.system import UuidV7Generator
from adapters.text.emoji_table import UnicodeEmojiTable
from domain.model.accounts import (
    RefreshFamily,
    RefreshToken,
    RefreshTokenReused,
    User,
    refresh_token_hash,
    username_key,
)
from domain.model.errors import ChatError, Conflict, ErrorCode, Unauthorized
from domain.model.events import FamilyRevoked
from domain.model.sessions import EndReason
from domain.usecases import Deps
from domain.usecases.accounts import SignedIn, authenticate_user, login, logout, refresh, register
from ports.unit_of_work import UnitOfWorkFactory
from tests.support import PASSWORD, FakeClock, fast_hasher


def _user(user_id: str = "u_1", name: str = "alice") -> User:
    return User(user_id, name, username_key(name), "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", 5)


def _signed_up(factory: UnitOfWorkFactory, user: User, family_id: str = "fam-1") -> None:
    with factory(write=True) as uow:
        uow.users.add(user)
        uow.refresh_tokens.add_family(RefreshFamily(family_id, user.user_id, 6))
        uow.commit()


def _deps(factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock) -> Deps:
    return Deps(
        uow=factory,
        cipher=FernetCipher([generate_key()]),
        hasher=fast_hasher(),
        tokens=tokens,
        clock=clock,
        ids=UuidV7Generator(),
        presence=MemoryPresenceStore(),
        emoji=UnicodeEmojiTable(),
    )


def _stored_text(factory: UnitOfWorkFactory) -> str:
    """Everything the backend holds for accounts, as text."""
    if isinstance(factory, MemoryUnitOfWorkFactory):
        return repr(factory.store)
    assert isinstance(factory, SqlUnitOfWorkFactory)
    with factory.engine.connect() as conn:
        rows = [
            row
            for table in (tables.users, tables.refresh_families, tables.refresh_tokens)
            for row in conn.execute(select(table))
        ]
    return repr(rows)


# --- users ------------------------------------------------------------------------------


def test_user_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    user = _user(name="Zoë 😀")
    with uow_factory(write=True) as uow:
        uow.users.add(user)
        assert uow.users.get("u_1") == user  # own write, before commit
        uow.commit()
    with uow_factory() as uow:
        assert uow.users.get("u_1") == user
        assert uow.users.by_username_key(username_key("ZOË 😀")) == user
        assert uow.users.get("u_2") is None
        assert uow.users.by_username_key("bob") is None


def test_a_taken_username_key_is_a_conflict_in_one_unit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.users.add(_user("u_1", "alice"))
        with pytest.raises(Conflict) as caught:
            uow.users.add(_user("u_2", "ALICE"))
        assert caught.value.code is ErrorCode.USERNAME_TAKEN
        uow.users.add(_user("u_3", "bob"))  # the unit is still usable
        uow.commit()
    with uow_factory() as uow:
        assert uow.users.get("u_2") is None
        assert uow.users.get("u_3") is not None


def test_a_taken_username_key_is_a_conflict_across_units(uow_factory: UnitOfWorkFactory) -> None:
    _signed_up(uow_factory, _user("u_1", "alice"))
    with uow_factory(write=True) as uow:
        with pytest.raises(Conflict) as caught:
            uow.users.add(_user("u_2", "Alice"))
        assert caught.value.code is ErrorCode.USERNAME_TAKEN


def _guest(user_id: str = "fox", name: str = "Fox") -> User:
    return User(user_id, name, username_key(name), None, 7, "https://example.org/<b>.png")


def test_a_guest_profile_is_a_user_without_a_password(uow_factory: UnitOfWorkFactory) -> None:
    guest = _guest()
    _signed_up(uow_factory, guest)  # its sign-in's family refers to it like an account's
    with uow_factory() as uow:
        assert uow.users.get("fox") == guest
        assert uow.users.by_username_key("fox") == guest
    assert guest.guest and not _user().guest


def test_user_ids_and_names_are_unique_across_accounts_and_guests(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _signed_up(uow_factory, _user("u_1", "alice"))
    _signed_up(uow_factory, _guest("fox", "Fox"), "fam-2")
    for user, code in (
        (_guest("u_1", "Someone"), ErrorCode.USER_ID_TAKEN),
        (_user("fox", "Someone"), ErrorCode.USER_ID_TAKEN),
        (_guest("owl", "ALICE"), ErrorCode.USERNAME_TAKEN),
        (_user("u_2", "FOX"), ErrorCode.USERNAME_TAKEN),
    ):
        with uow_factory(write=True) as uow:
            with pytest.raises(Conflict) as caught:
                uow.users.add(user)
                uow.commit()
            assert caught.value.code is code, user


def test_an_account_and_a_guest_racing_for_one_name_one_wins(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Each unit adds before the other commits (memory: the commit decides; Postgres: the
    unique index; SQLite: the write lock orders them); exactly one name is stored."""
    results: list[object] = []

    def sign_up(user: User) -> None:
        try:
            with uow_factory(write=True) as uow:
                uow.users.add(user)
                time.sleep(0.2)
                uow.commit()
            results.append(user.user_id)
        except Conflict as error:
            results.append(error.code)

    workers = [
        threading.Thread(target=sign_up, args=(user,))
        for user in (_user("u_9", "Lynx"), _guest("lynx", "LYNX"))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(map(str, results)).count("username_taken") == 1, results
    with uow_factory() as uow:
        held = uow.users.by_username_key("lynx")
        assert held is not None and held.user_id in results


def test_update_renames_frees_the_old_key_and_refuses_a_taken_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _signed_up(uow_factory, _guest("fox", "Fox"))
    _signed_up(uow_factory, _user("u_1", "alice"), "fam-2")
    renamed = User("fox", "Vixen", "vixen", None, 7, None)
    with uow_factory(write=True) as uow:
        uow.users.update(renamed)
        assert uow.users.by_username_key("fox") is None  # own write, before commit
        assert uow.users.get("fox") == renamed
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.users.by_username_key("vixen") == renamed
        uow.users.add(_guest("fox2", "FOX"))  # the old name is free
        with pytest.raises(Conflict) as caught:
            uow.users.update(User("fox", "Alice", "alice", None, 7, None))
            uow.commit()
        assert caught.value.code is ErrorCode.USERNAME_TAKEN
    with uow_factory() as uow:
        assert uow.users.get("fox") == renamed
        assert uow.users.by_username_key("alice") == _user("u_1", "alice")


# --- refresh families and tokens --------------------------------------------------------


def test_refresh_token_round_trip_and_single_use(uow_factory: UnitOfWorkFactory) -> None:
    _signed_up(uow_factory, _user())
    token = RefreshToken("a" * 64, "fam-1", expires_at_ms=2**41, created_at_ms=7)
    with uow_factory(write=True) as uow:
        uow.refresh_tokens.add(token)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.refresh_tokens.by_hash("a" * 64) == token
        assert uow.refresh_tokens.by_hash("b" * 64) is None
        assert uow.refresh_tokens.mark_used("a" * 64)
        assert not uow.refresh_tokens.mark_used("a" * 64)  # once only, even in one unit
        assert not uow.refresh_tokens.mark_used("b" * 64)
        uow.commit()
    with uow_factory(write=True) as uow:
        stored = uow.refresh_tokens.by_hash("a" * 64)
        assert stored is not None and stored.used
        assert not uow.refresh_tokens.mark_used("a" * 64)


def test_mark_used_is_rolled_back_with_its_unit(uow_factory: UnitOfWorkFactory) -> None:
    _signed_up(uow_factory, _user())
    with uow_factory(write=True) as uow:
        uow.refresh_tokens.add(RefreshToken("a" * 64, "fam-1", 2**41, 7))
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.refresh_tokens.mark_used("a" * 64)
    with uow_factory() as uow:
        stored = uow.refresh_tokens.by_hash("a" * 64)
        assert stored is not None and not stored.used


def test_revoke_family_once(uow_factory: UnitOfWorkFactory) -> None:
    _signed_up(uow_factory, _user())
    with uow_factory(write=True) as uow:
        assert uow.refresh_tokens.family("fam-1") == RefreshFamily("fam-1", "u_1", 6)
        assert uow.refresh_tokens.revoke_family("fam-1")
        assert not uow.refresh_tokens.revoke_family("fam-1")
        assert not uow.refresh_tokens.revoke_family("fam-missing")
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.refresh_tokens.family("fam-1") == RefreshFamily("fam-1", "u_1", 6, True)
        assert uow.refresh_tokens.family("fam-missing") is None
        assert not uow.refresh_tokens.revoke_family("fam-1")


def test_uncommitted_accounts_are_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.users.add(_user())
        uow.refresh_tokens.add_family(RefreshFamily("fam-1", "u_1", 6))
        uow.refresh_tokens.add(RefreshToken("a" * 64, "fam-1", 2**41, 7))
    with uow_factory() as uow:
        assert uow.users.get("u_1") is None
        assert uow.refresh_tokens.family("fam-1") is None
        assert uow.refresh_tokens.by_hash("a" * 64) is None


# --- the use cases on each backend ------------------------------------------------------


def test_the_store_holds_no_password_and_no_raw_refresh_token(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    first = register(deps, "alice", PASSWORD).value
    second = refresh(deps, first.refresh_token).value
    third = login(deps, "alice", PASSWORD).value
    stored = _stored_text(uow_factory)

    assert PASSWORD not in stored
    for signed in (first, second, third):
        assert signed.refresh_token not in stored
        assert signed.access_token not in stored
        assert refresh_token_hash(signed.refresh_token) in stored  # the hash is what is kept
    assert "$argon2id$" in stored


def test_replay_revokes_the_family_on_every_backend(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    first = register(deps, "alice", PASSWORD).value
    family = tokens.verify_user_token(first.access_token).family_id
    second = refresh(deps, first.refresh_token).value

    with pytest.raises(RefreshTokenReused) as caught:
        refresh(deps, first.refresh_token)
    assert caught.value.events == [
        FamilyRevoked(family, first.user_id, EndReason.REFRESH_TOKEN_REUSED)
    ]
    with pytest.raises(Unauthorized) as newer:
        refresh(deps, second.refresh_token)
    assert newer.value.code is ErrorCode.INVALID_REFRESH_TOKEN
    with pytest.raises(Unauthorized):
        authenticate_user(deps, second.access_token)


def test_logout_and_usernames_on_every_backend(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    signed = register(deps, "Straße", PASSWORD).value
    with pytest.raises(Conflict):
        register(deps, "STRASSE", PASSWORD)
    assert login(deps, "strasse", PASSWORD).value.user_id == signed.user_id
    assert len(logout(deps, signed.refresh_token).events) == 1
    with pytest.raises(Unauthorized):
        authenticate_user(deps, signed.access_token)


def test_concurrent_rotations_of_one_token_let_at_most_one_through(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    signed = register(deps, "alice", PASSWORD).value
    threads = 4
    start = threading.Barrier(threads)
    results: list[SignedIn | ChatError] = []

    def rotate() -> None:
        start.wait()
        try:
            results.append(refresh(deps, signed.refresh_token).value)
        except ChatError as error:
            results.append(error)

    workers = [threading.Thread(target=rotate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(results) == threads
    winners = [r for r in results if isinstance(r, SignedIn)]
    refused = [r for r in results if isinstance(r, ChatError)]
    assert len(winners) <= 1
    assert all(e.code is ErrorCode.INVALID_REFRESH_TOKEN for e in refused)
    # Every loser saw a replay, so the family is revoked: even the winner's token is dead.
    assert any(isinstance(e, RefreshTokenReused) for e in refused)
    for winner in winners:
        with pytest.raises(Unauthorized):
            refresh(deps, winner.refresh_token)
