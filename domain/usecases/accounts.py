"""Accounts: register, log in, rotate refresh tokens, log out, and authenticate a user token.

Each sign-in starts a refresh-token family. The entrypoint returns the raw refresh token to
its owner once; only its SHA-256 is stored. Revoking a family (logout, or a used refresh
token presented again) records `FamilyRevoked`, released by the commit: the entrypoint drops
every socket whose user-token claims carry that `family_id` (from `Outcome.events`, or from
`RefreshTokenReused.events` when the revocation comes with a refusal).
"""

from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass

from domain.model.accounts import (
    RefreshFamily,
    RefreshToken,
    RefreshTokenReused,
    User,
    presentable_refresh_token,
    refresh_token_hash,
    username_key,
)
from domain.model.audit import AuditAction
from domain.model.errors import Conflict, ErrorCode, InvalidInput, Unauthorized
from domain.model.events import Event, FamilyRevoked
from domain.model.members import check_username
from domain.model.policies import UserTokenClaims
from domain.model.rooms import PASSWORD_MAX_CHARS, check_new_password, is_text
from domain.model.sessions import EndReason
from domain.usecases.access import check_signed_in
from domain.usecases.audit_trail import note, note_apart
from domain.usecases.deps import Deps, Outcome
from ports.passwords import PasswordHasher
from ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What register, login and refresh give the owner: the refresh token only here."""

    user_id: str
    username: str
    access_token: str
    refresh_token: str
    expires_in: int  # of the access token, in seconds


def register(deps: Deps, username: str, password: str) -> Outcome[SignedIn]:
    """Create an account and sign it in. A name taken in any spelling that folds to the
    same key is refused (username_taken)."""
    name = check_username(username)
    key = username_key(name)
    check_new_password(password)
    with deps.uow() as uow:
        # Cheap early answer before the slow hash; the insert below settles a race.
        if _name_taken(uow, key):
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
    # Hash outside any transaction: it is slow on purpose.
    password_hash = deps.hasher.hash(password)
    now = deps.clock.now_ms()
    user = User(deps.ids.user_id(), name, key, password_hash, now)
    family = RefreshFamily(deps.ids.refresh_family_id(), user.user_id, now)
    raw, token = mint_refresh_token(deps, family.family_id, now)
    with deps.uow(write=True) as uow:
        if _name_taken(uow, key):
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
        uow.users.add(user)
        uow.refresh_tokens.add_family(family)
        uow.refresh_tokens.add(token)
        uow.commit()
    return Outcome(signed_in(deps, user, family.family_id, raw, now))


def login(deps: Deps, username: str, password: str, client: str = "") -> Outcome[SignedIn]:
    """Sign in with a password. A wrong password and an unknown name give the same error
    after the same work (a hash is verified either way); both go to the audit log."""
    # A failure is logged under the account's id when it exists, never the name typed: it
    # may be a password typed in the wrong field.
    refused = Unauthorized(ErrorCode.INVALID_CREDENTIALS, "wrong username or password")
    # What no account could match is refused without hashing (no CPU amplification); that
    # a name is malformed says nothing about who has an account.
    if len(password) > PASSWORD_MAX_CHARS or not is_text(password):
        raise refused
    try:
        key = username_key(check_username(username))
    except InvalidInput:
        raise refused from None
    with deps.uow() as uow:
        user = uow.users.by_username_key(key)
    if user is None or user.password_hash is None:
        # No such name, or a guest profile's (which has no password): the same work.
        deps.hasher.verify(_dummy_hash(deps.hasher), password)
        note_apart(deps, AuditAction.SIGN_IN_FAILED, "-", client, "unknown account")
        raise refused
    if not deps.hasher.verify(user.password_hash, password):
        note_apart(deps, AuditAction.SIGN_IN_FAILED, user.user_id, client, "wrong password")
        raise refused
    now = deps.clock.now_ms()
    family = RefreshFamily(deps.ids.refresh_family_id(), user.user_id, now)
    raw, token = mint_refresh_token(deps, family.family_id, now)
    with deps.uow(write=True) as uow:
        uow.refresh_tokens.add_family(family)
        uow.refresh_tokens.add(token)
        note(deps, uow, AuditAction.SIGNED_IN, user.user_id, address=client)
        uow.commit()
    return Outcome(signed_in(deps, user, family.family_id, raw, now))


def refresh(deps: Deps, refresh_token: str) -> Outcome[SignedIn]:
    """Use up the token for the next of its family and a fresh access token; one used before
    revokes its family and raises RefreshTokenReused (its `events` hold FamilyRevoked)."""
    if not presentable_refresh_token(refresh_token):
        raise _invalid_refresh_token()
    rotated = _rotate(deps, refresh_token_hash(refresh_token), deps.clock.now_ms())
    if isinstance(rotated, RefreshFamily):
        raise RefreshTokenReused(_revoke(deps, rotated, EndReason.REFRESH_TOKEN_REUSED))
    return Outcome(rotated)


def _rotate(deps: Deps, token_hash: str, now: int) -> SignedIn | RefreshFamily:
    """The next token of the family, or the family itself when the token was replayed."""
    with deps.uow(write=True) as uow:
        token = uow.refresh_tokens.by_hash(token_hash)
        family = uow.refresh_tokens.family(token.family_id) if token is not None else None
        if token is None or family is None or family.revoked:
            raise _invalid_refresh_token()
        if not uow.refresh_tokens.mark_used(token_hash):
            return family  # used before (expired or not): someone else holds a copy
        if token.expired(now):
            raise _invalid_refresh_token()  # rolled back: the mark is undone
        user = uow.users.get(family.user_id)
        if user is None:
            raise _invalid_refresh_token()
        raw, new_token = mint_refresh_token(deps, family.family_id, now)
        uow.refresh_tokens.add(new_token)
        try:
            uow.commit()
        except Unauthorized as error:
            # A store that learns only at commit that another rotation of this token won
            # (the memory store; SQL's conditional UPDATE answers above): a replay too.
            if error.code is not ErrorCode.INVALID_REFRESH_TOKEN:
                raise
            return family
    return signed_in(deps, user, family.family_id, raw, now)


def logout(deps: Deps, refresh_token: str) -> Outcome[None]:
    """Revoke the family of any token it issued (used, expired or current) and its access
    tokens: FamilyRevoked says which sockets to drop (none if it was revoked already)."""
    if not presentable_refresh_token(refresh_token):
        raise _invalid_refresh_token()
    with deps.uow() as uow:
        token = uow.refresh_tokens.by_hash(refresh_token_hash(refresh_token))
        family = uow.refresh_tokens.family(token.family_id) if token is not None else None
    if family is None:
        raise _invalid_refresh_token()
    return Outcome(None, _revoke(deps, family))


def authenticate_user(deps: Deps, token: str | None) -> UserTokenClaims:
    """The claims of a valid user access token whose family is still live; Unauthorized
    for a missing, expired, forged, revoked token or one of another kind."""
    if not token:
        raise Unauthorized(ErrorCode.UNAUTHORIZED, "a bearer token is required")
    claims = deps.tokens.verify_user_token(token)
    check_signed_in(deps, claims)
    return claims


def _name_taken(uow: UnitOfWork, key: str) -> bool:
    """Whether a username key is in use, by an account or a guest profile (both are users).
    This check alone does not settle a race; the store's unique username_key does."""
    return uow.users.by_username_key(key) is not None


def mint_refresh_token(deps: Deps, family_id: str, now_ms: int) -> tuple[str, RefreshToken]:
    """A new refresh token: the raw value for its owner, the record (hash only) to store."""
    raw = deps.ids.refresh_token()
    expires = now_ms + deps.config.refresh_token_ttl_s * 1000
    return raw, RefreshToken(refresh_token_hash(raw), family_id, expires, now_ms)


def signed_in(deps: Deps, user: User, family_id: str, raw: str, now_ms: int) -> SignedIn:
    ttl = deps.config.user_token_ttl_s
    return SignedIn(
        user.user_id, user.username, issue_access_token(deps, user, family_id, now_ms), raw, ttl
    )


def issue_access_token(deps: Deps, user: User, family_id: str, now_ms: int) -> str:
    """An access token of this sign-in for the user as it is now (name, guest or not)."""
    expires_at = now_ms // 1000 + deps.config.user_token_ttl_s
    claims = UserTokenClaims(user.user_id, user.username, family_id, expires_at, user.guest)
    return deps.tokens.issue_user_token(claims)


def _revoke(
    deps: Deps, family: RefreshFamily, reason: EndReason = EndReason.LOGGED_OUT
) -> list[Event]:
    """Revoke a family in a unit of its own; the events its commit released."""
    with deps.uow(write=True) as uow:
        if uow.refresh_tokens.revoke_family(family.family_id):
            uow.record(FamilyRevoked(family.family_id, family.user_id, reason))
        uow.commit()
        return uow.collect_events()


def _invalid_refresh_token() -> Unauthorized:
    return Unauthorized(ErrorCode.INVALID_REFRESH_TOKEN, "the refresh token is not valid")


# One hash of a random password per hasher, made on first need: verifying against it costs
# what verifying a real account's hash does, so an unknown name answers no faster.
_dummy_hashes: weakref.WeakKeyDictionary[PasswordHasher, str] = weakref.WeakKeyDictionary()
_dummy_lock = threading.Lock()


def _dummy_hash(hasher: PasswordHasher) -> str:
    with _dummy_lock:
        known = _dummy_hashes.get(hasher)
    if known is not None:
        return known
    made = hasher.hash(secrets.token_urlsafe(16))
    with _dummy_lock:
        return _dummy_hashes.setdefault(hasher, made)
