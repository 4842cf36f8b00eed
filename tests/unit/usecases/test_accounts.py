"""domain/usecases/accounts.py: register, login, rotating refresh tokens, logout, user tokens.

Over the real in-memory adapters, a real hasher, real JWTs and a fake clock."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.accounts import RefreshTokenReused, User, refresh_token_hash, username_key
from domain.model.errors import Conflict, ErrorCode, InvalidInput, Unauthorized
from domain.model.events import FamilyRevoked
from domain.model.policies import RoomTokenClaims, UserTokenClaims
from domain.model.rooms import PASSWORD_MAX_CHARS
from domain.model.sessions import EndReason
from domain.usecases.access import authenticate
from domain.usecases.accounts import (
    SignedIn,
    authenticate_user,
    login,
    logout,
    refresh,
    register,
)
from domain.usecases.create_room import create_room
from ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.support import PASSWORD, World


def _refused(code: ErrorCode) -> pytest.RaisesExc[Unauthorized]:
    return pytest.raises(Unauthorized, check=lambda error: error.code is code)


def _family(world: World, signed: SignedIn) -> str:
    return world.tokens.verify_user_token(signed.access_token).family_id


# --- register ---------------------------------------------------------------------------


def test_register_returns_tokens_for_a_new_account(world: World) -> None:
    now = world.clock.now_ms()
    outcome = register(world.deps, "Zoë", PASSWORD)
    signed = outcome.value

    assert signed.user_id.startswith("u_")
    assert signed.username == "Zoë"
    assert signed.expires_in == world.deps.config.user_token_ttl_s == 900
    claims = world.tokens.verify_user_token(signed.access_token)
    assert claims == UserTokenClaims(signed.user_id, "Zoë", claims.family_id, now // 1000 + 900)
    assert len(signed.refresh_token) >= 43
    assert outcome.events == []


def test_register_stores_hashes_only(world: World) -> None:
    signed = register(world.deps, "Zoë", PASSWORD).value
    store = world.store_factory.store

    user = store.users[signed.user_id]
    assert user.username_key == "zoë"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert world.hasher.inner.verify(user.password_hash, PASSWORD)
    [stored] = store.refresh_tokens.values()
    assert stored.token_hash == refresh_token_hash(signed.refresh_token)
    assert signed.refresh_token not in repr(store)
    assert PASSWORD not in repr(store)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("alice", "ALICE"),
        ("Alice", "aLiCe"),
        ("alice", "ａｌｉｃｅ"),  # fullwidth: NFKC folds it
        ("ﬁona", "FIONA"),  # a ligature, then case
        ("Straße", "STRASSE"),  # full case folding
        ("Zoë", "Zoe\u0308"),  # decomposed accent
        ("Zoe", " Zoe"),  # outer whitespace
        (" Zoe", "Zoe "),
        ("Zoe Smith", "Zoe\u3000\u3000Smith"),  # a run of (ideographic) spaces
    ],
)
def test_usernames_that_fold_together_collide(world: World, first: str, second: str) -> None:
    register(world.deps, first, PASSWORD)
    calls = world.hasher.hash_calls
    with pytest.raises(Conflict) as caught:
        register(world.deps, second, PASSWORD + "!")
    assert caught.value.code is ErrorCode.USERNAME_TAKEN
    assert world.hasher.hash_calls == calls  # refused before the slow hash
    assert len(world.store_factory.store.users) == 1


def test_register_keeps_the_normalized_spelling(world: World) -> None:
    signed = register(world.deps, "ａｌｉｃｅ", PASSWORD).value
    assert signed.username == "alice"
    padded = register(world.deps, "  Zoe \u00a0 Smith ", PASSWORD).value
    assert padded.username == world.store_factory.store.users[padded.user_id].username
    assert padded.username == "Zoe Smith"


def test_login_takes_the_name_with_outer_spaces(world: World) -> None:
    user_id = register(world.deps, "Zoe", PASSWORD).value.user_id
    assert login(world.deps, " zoe ", PASSWORD).value.user_id == user_id


def test_a_racing_registration_is_refused_by_the_store(world: World) -> None:
    # Both pass the early check; the commit is what decides.
    factory = world.store_factory
    with factory(write=True) as first, factory(write=True) as second:
        assert first.users.by_username_key("bob") is None
        assert second.users.by_username_key("bob") is None
        first.users.add(_user("u_1", "bob"))
        second.users.add(_user("u_2", "BOB"))
        first.commit()
        with pytest.raises(Conflict) as caught:
            second.commit()
    assert caught.value.code is ErrorCode.USERNAME_TAKEN
    assert set(factory.store.users) == {"u_1"}


def _user(user_id: str, name: str) -> User:
    return User(user_id, name, username_key(name), "$argon2id$not-a-real-hash", 1)


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("", PASSWORD, ErrorCode.INVALID_USERNAME),
        ("a" * 33, PASSWORD, ErrorCode.INVALID_USERNAME),
        ("bad\u200bname", PASSWORD, ErrorCode.INVALID_USERNAME),
        ("alice", "short", ErrorCode.INVALID_PASSWORD),
        ("alice", "x" * (PASSWORD_MAX_CHARS + 1), ErrorCode.INVALID_PASSWORD),
        ("alice", "\ud800" * 10, ErrorCode.INVALID_PASSWORD),
    ],
)
def test_register_refuses_bad_input_without_hashing(
    world: World, username: str, password: str, code: ErrorCode
) -> None:
    with pytest.raises(InvalidInput) as caught:
        register(world.deps, username, password)
    assert caught.value.code is code
    assert world.hasher.hash_calls == 0
    assert world.store_factory.store.users == {}


# --- login ------------------------------------------------------------------------------


def test_login_starts_a_new_family(world: World) -> None:
    registered = register(world.deps, "alice", PASSWORD).value
    signed = login(world.deps, "ALICE", PASSWORD).value

    assert signed.user_id == registered.user_id
    assert signed.username == "alice"
    assert _family(world, signed) != _family(world, registered)
    assert signed.refresh_token != registered.refresh_token
    assert len(world.store_factory.store.refresh_families) == 2


def test_wrong_password_and_unknown_user_look_the_same(world: World) -> None:
    register(world.deps, "alice", PASSWORD)
    world.hasher.verify_calls = 0
    with _refused(ErrorCode.INVALID_CREDENTIALS) as wrong:
        login(world.deps, "alice", PASSWORD + "x")
    assert world.hasher.verify_calls == 1
    with _refused(ErrorCode.INVALID_CREDENTIALS) as unknown:
        login(world.deps, "mallory", PASSWORD)
    # An unknown name still costs a verify (against a dummy hash), so timing tells nothing.
    assert world.hasher.verify_calls == 2
    assert str(wrong.value) == str(unknown.value)
    assert type(wrong.value) is type(unknown.value)


def test_login_refuses_impossible_input_without_hashing(world: World) -> None:
    register(world.deps, "alice", PASSWORD)
    world.hasher.verify_calls = 0
    for username, password in [
        ("alice", "x" * (PASSWORD_MAX_CHARS + 1)),
        ("alice", "\ud800" * 10),
        ("", PASSWORD),
        ("bad\u200bname", PASSWORD),
    ]:
        with _refused(ErrorCode.INVALID_CREDENTIALS):
            login(world.deps, username, password)
    assert world.hasher.verify_calls == 0


# --- refresh ----------------------------------------------------------------------------


def test_refresh_rotates_within_the_family(world: World) -> None:
    first = register(world.deps, "alice", PASSWORD).value
    world.clock.advance(seconds=60)
    second = refresh(world.deps, first.refresh_token).value

    assert second.user_id == first.user_id
    assert second.refresh_token != first.refresh_token
    assert _family(world, second) == _family(world, first)
    claims = world.tokens.verify_user_token(second.access_token)
    assert claims.expires_at == world.clock.now_ms() // 1000 + 900
    tokens = world.store_factory.store.refresh_tokens
    assert tokens[refresh_token_hash(first.refresh_token)].used
    assert not tokens[refresh_token_hash(second.refresh_token)].used
    third = refresh(world.deps, second.refresh_token).value
    assert _family(world, third) == _family(world, first)


def test_reusing_a_refresh_token_revokes_the_whole_family(world: World) -> None:
    first = register(world.deps, "alice", PASSWORD).value
    second = refresh(world.deps, first.refresh_token).value  # the owner rotates
    family = _family(world, first)

    with pytest.raises(RefreshTokenReused) as caught:
        refresh(world.deps, first.refresh_token)  # a thief replays the old one
    assert caught.value.code is ErrorCode.INVALID_REFRESH_TOKEN
    assert caught.value.events == [
        FamilyRevoked(family, first.user_id, EndReason.REFRESH_TOKEN_REUSED)
    ]
    assert world.store_factory.store.refresh_families[family].revoked

    # The newer token dies with it, and so do the family's access tokens.
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN):
        refresh(world.deps, second.refresh_token)
    for signed in (first, second):
        with _refused(ErrorCode.UNAUTHORIZED):
            authenticate_user(world.deps, signed.access_token)


def test_a_reuse_revokes_only_that_family(world: World) -> None:
    phone = register(world.deps, "alice", PASSWORD).value
    laptop = login(world.deps, "alice", PASSWORD).value
    refresh(world.deps, phone.refresh_token)
    with pytest.raises(RefreshTokenReused):
        refresh(world.deps, phone.refresh_token)
    assert authenticate_user(world.deps, laptop.access_token).user_id == laptop.user_id
    assert refresh(world.deps, laptop.refresh_token).value.user_id == laptop.user_id


def test_reuse_after_revocation_releases_no_second_event(world: World) -> None:
    first = register(world.deps, "alice", PASSWORD).value
    refresh(world.deps, first.refresh_token)
    with pytest.raises(RefreshTokenReused):
        refresh(world.deps, first.refresh_token)
    # The family is already revoked: refused plainly, nothing new to drop.
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN) as again:
        refresh(world.deps, first.refresh_token)
    assert not isinstance(again.value, RefreshTokenReused)


def test_an_expired_refresh_token_is_refused_and_stays_unused(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    family = _family(world, signed)
    world.clock.advance(seconds=world.deps.config.refresh_token_ttl_s)
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN) as caught:
        refresh(world.deps, signed.refresh_token)
    assert not isinstance(caught.value, RefreshTokenReused)
    stored = world.store_factory.store.refresh_tokens[refresh_token_hash(signed.refresh_token)]
    assert not stored.used
    assert not world.store_factory.store.refresh_families[family].revoked


def test_a_refresh_token_is_good_until_just_before_it_expires(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    world.clock.advance(ms=world.deps.config.refresh_token_ttl_s * 1000 - 1)
    assert refresh(world.deps, signed.refresh_token).value.user_id == signed.user_id


@pytest.mark.parametrize("token", ["", "x" * 300, "\ud800abc", "not-a-token-we-made"])
def test_unknown_refresh_tokens_are_refused(world: World, token: str) -> None:
    register(world.deps, "alice", PASSWORD)
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN):
        refresh(world.deps, token)


def test_an_access_token_is_not_a_refresh_token(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN):
        refresh(world.deps, signed.access_token)


class _RivalRotation:
    """A unit-of-work factory whose first writing unit, right after it marks a token used,
    lets a rival unit rotate the same token and commit: the race, made deterministic."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self.inner = inner
        self.fired = False

    def __call__(self, *, write: bool = False) -> UnitOfWork:
        uow = self.inner(write=write)
        if write and not self.fired:
            self.fired = True
            repo = uow.refresh_tokens
            mark_used = repo.mark_used

            def racing_mark_used(token_hash: str) -> bool:
                won = mark_used(token_hash)
                with self.inner(write=True) as rival:
                    assert rival.refresh_tokens.mark_used(token_hash)
                    rival.commit()
                return won

            repo.mark_used = racing_mark_used  # type: ignore[method-assign]  # the race
        return uow


def test_a_rotation_that_loses_a_race_at_commit_counts_as_a_reuse(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    family = _family(world, signed)
    deps = dataclasses.replace(world.deps, uow=_RivalRotation(world.store_factory))

    with pytest.raises(RefreshTokenReused) as caught:
        refresh(deps, signed.refresh_token)
    assert caught.value.events == [
        FamilyRevoked(family, signed.user_id, EndReason.REFRESH_TOKEN_REUSED)
    ]
    store = world.store_factory.store
    assert store.refresh_families[family].revoked
    assert len(store.refresh_tokens) == 1  # the loser's new token was never stored


# --- logout -----------------------------------------------------------------------------


def test_logout_revokes_the_family_and_says_so(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    family = _family(world, signed)
    outcome = logout(world.deps, signed.refresh_token)

    assert outcome.events == [FamilyRevoked(family, signed.user_id, EndReason.LOGGED_OUT)]
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN):
        refresh(world.deps, signed.refresh_token)
    with _refused(ErrorCode.UNAUTHORIZED):
        authenticate_user(world.deps, signed.access_token)
    assert logout(world.deps, signed.refresh_token).events == []  # again: nothing new


def test_logout_with_an_older_token_of_the_family_revokes_it(world: World) -> None:
    first = register(world.deps, "alice", PASSWORD).value
    second = refresh(world.deps, first.refresh_token).value
    assert logout(world.deps, first.refresh_token).events != []
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN):
        refresh(world.deps, second.refresh_token)


def test_logout_leaves_other_sign_ins_alone(world: World) -> None:
    phone = register(world.deps, "alice", PASSWORD).value
    laptop = login(world.deps, "alice", PASSWORD).value
    logout(world.deps, phone.refresh_token)
    assert authenticate_user(world.deps, laptop.access_token).family_id == _family(world, laptop)


@pytest.mark.parametrize("token", ["", "x" * 300, "never-issued"])
def test_logout_refuses_unknown_tokens(world: World, token: str) -> None:
    with _refused(ErrorCode.INVALID_REFRESH_TOKEN):
        logout(world.deps, token)


# --- user access tokens -----------------------------------------------------------------


def test_authenticate_user_accepts_a_live_token(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    claims = authenticate_user(world.deps, signed.access_token)
    assert (claims.user_id, claims.username) == (signed.user_id, "alice")


def test_user_access_tokens_expire_after_fifteen_minutes(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    world.clock.advance(seconds=899)
    authenticate_user(world.deps, signed.access_token)
    world.clock.advance(seconds=1)
    with _refused(ErrorCode.UNAUTHORIZED):
        authenticate_user(world.deps, signed.access_token)


@pytest.mark.parametrize("token", [None, ""])
def test_authenticate_user_needs_a_token(world: World, token: str | None) -> None:
    with _refused(ErrorCode.UNAUTHORIZED):
        authenticate_user(world.deps, token)


def test_user_and_room_tokens_never_pass_as_each_other(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    admin = create_room(world.deps, "lobby", PASSWORD).value
    with _refused(ErrorCode.UNAUTHORIZED):
        world.tokens.verify_room_token(signed.access_token)  # a user token is not a room token
    with _refused(ErrorCode.UNAUTHORIZED):
        authenticate_user(world.deps, admin.admin_token)  # nor the reverse
    # Both verified once already (cached): the cache keeps the kinds apart too.
    assert isinstance(authenticate(world.deps, admin.admin_token), RoomTokenClaims)
    assert isinstance(authenticate(world.deps, signed.access_token), UserTokenClaims)
    with _refused(ErrorCode.UNAUTHORIZED):
        world.tokens.verify_room_token(signed.access_token)
    with _refused(ErrorCode.UNAUTHORIZED):
        authenticate_user(world.deps, admin.admin_token)


def test_authenticate_takes_a_user_token_only_while_its_sign_in_is_live(world: World) -> None:
    signed = register(world.deps, "alice", PASSWORD).value
    assert authenticate(world.deps, signed.access_token).user_id == signed.user_id
    logout(world.deps, signed.refresh_token)
    with _refused(ErrorCode.UNAUTHORIZED):
        authenticate(world.deps, signed.access_token)
