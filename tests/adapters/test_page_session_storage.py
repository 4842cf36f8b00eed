"""Page sessions on every backend: each cookie value spent once (two concurrent resumes let
at most one through, and the loser's replay revokes the session), nothing but hashes
stored, and a session gone with its room."""

from __future__ import annotations

import threading

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
from domain.model.accounts import refresh_token_hash
from domain.model.errors import ChatError, ErrorCode, Unauthorized
from domain.model.page_sessions import SessionCookieReused
from domain.usecases import Deps
from domain.usecases.create_room import create_room
from domain.usecases.delete_room import delete_room
from domain.usecases.page_sessions import Resumed, resume_session, start_session
from domain.usecases.verify_room import verify_room_password
from ports.unit_of_work import UnitOfWorkFactory
from tests.support import PASSWORD, FakeClock, fast_hasher


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
    if isinstance(factory, MemoryUnitOfWorkFactory):
        return repr(factory.store)
    assert isinstance(factory, SqlUnitOfWorkFactory)
    with factory.engine.connect() as conn:
        rows = [
            row
            for table in (tables.page_sessions, tables.session_cookies)
            for row in conn.execute(select(table))
        ]
    return repr(rows)


def _guest_cookie(deps: Deps, room_id: str = "lobby") -> str:
    access = verify_room_password(deps, room_id, PASSWORD, "Zoë").value
    claims = deps.tokens.verify_room_token(access.token)
    return start_session(deps, claims, room_id).value.cookie


def test_a_value_is_spent_once_and_only_its_hash_is_kept(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    create_room(deps, "lobby", PASSWORD)
    first = _guest_cookie(deps)
    second = resume_session(deps, first).value.cookie

    stored = _stored_text(uow_factory)
    for value in (first, second):
        assert value not in stored and refresh_token_hash(value) in stored
    with pytest.raises(SessionCookieReused):
        resume_session(deps, first)
    with pytest.raises(Unauthorized) as revoked:
        resume_session(deps, second)
    assert revoked.value.code is ErrorCode.INVALID_SESSION


def test_concurrent_resumes_of_one_value_let_at_most_one_through(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    create_room(deps, "lobby", PASSWORD)
    value = _guest_cookie(deps)
    threads = 4
    start = threading.Barrier(threads)
    results: list[Resumed | ChatError] = []

    def resume() -> None:
        start.wait()
        try:
            results.append(resume_session(deps, value).value)
        except ChatError as error:
            results.append(error)

    workers = [threading.Thread(target=resume) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(results) == threads
    winners = [r for r in results if isinstance(r, Resumed)]
    refused = [r for r in results if isinstance(r, ChatError)]
    assert len(winners) <= 1
    assert all(e.code is ErrorCode.INVALID_SESSION for e in refused)
    assert any(isinstance(e, SessionCookieReused) for e in refused)
    for winner in winners:  # the loser's replay revoked the session: the next value is dead
        with pytest.raises(Unauthorized):
            resume_session(deps, winner.cookie)


def test_a_session_goes_with_its_room(
    uow_factory: UnitOfWorkFactory, tokens: JwtTokenService, clock: FakeClock
) -> None:
    deps = _deps(uow_factory, tokens, clock)
    made = create_room(deps, "lobby", PASSWORD).value
    value = _guest_cookie(deps)
    admin = deps.tokens.verify_room_token(made.admin_token)
    delete_room(deps, admin, "lobby")
    create_room(deps, "lobby", PASSWORD)  # the same id again: not the same room

    with pytest.raises(Unauthorized) as gone:
        resume_session(deps, value)
    assert gone.value.code is ErrorCode.INVALID_SESSION
    assert refresh_token_hash(value) not in _stored_text(uow_factory)
