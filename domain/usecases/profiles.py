"""Guest profiles (the seed's `/user/profile`): create one, show anyone's, edit one's own.

A guest profile is a user without a password. It is signed in once, at creation, with a
refresh token as an account is (else the identity would be lost when its 15-minute access
token expires); a logout, or losing the refresh token, ends it for good.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from domain.model.accounts import RefreshFamily, User, username_key
from domain.model.errors import Conflict, ErrorCode, Forbidden, NotFound
from domain.model.members import check_username
from domain.model.policies import Claims, UserTokenClaims, require_own_identity
from domain.model.profiles import PublicProfile, check_avatar, check_user_id
from domain.usecases.access import check_live
from domain.usecases.accounts import (
    SignedIn,
    issue_access_token,
    mint_refresh_token,
    signed_in,
)
from domain.usecases.deps import Deps, Outcome
from ports.unit_of_work import UnitOfWork


class Keep(Enum):
    """An update's "leave this field as it is"."""

    KEEP = "keep"


KEEP: Literal[Keep.KEEP] = Keep.KEEP


@dataclass(frozen=True, slots=True)
class GuestCreated:
    profile: PublicProfile
    signed_in: SignedIn


@dataclass(frozen=True, slots=True)
class ProfileUpdated:
    """The profile as it now is, and an access token of the caller's sign-in that carries
    it (older access tokens keep the name they were issued with until they expire)."""

    profile: PublicProfile
    access_token: str
    expires_in: int


def create_guest(
    deps: Deps, user_id: str, username: str, avatar: str | None = None
) -> Outcome[GuestCreated]:
    """A guest profile under a client-chosen id, signed in: USER_ID_TAKEN for any taken id,
    USERNAME_TAKEN for a name an account or profile holds in any spelling that folds alike."""
    uid = check_user_id(user_id)
    name = check_username(username)
    if avatar is not None:
        avatar = check_avatar(avatar)
    now = deps.clock.now_ms()
    user = User(uid, name, username_key(name), None, now, avatar)
    family = RefreshFamily(deps.ids.refresh_family_id(), uid, now)
    raw, token = mint_refresh_token(deps, family.family_id, now)
    with deps.uow(write=True) as uow:
        if uow.users.get(uid) is not None or uow.profiles.get(uid) is not None:
            raise Conflict(ErrorCode.USER_ID_TAKEN, "this user id is taken")
        if uow.users.by_username_key(user.username_key) is not None:
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
        # The store's constraints settle a race with a register or another create.
        uow.users.add(user)
        uow.refresh_tokens.add_family(family)
        uow.refresh_tokens.add(token)
        uow.commit()
    return Outcome(GuestCreated(_public(user), signed_in(deps, user, family.family_id, raw, now)))


def get_profile(deps: Deps, user_id: str) -> Outcome[PublicProfile]:
    """The public face of an identity: an account, a guest profile, or a room token's guest
    (its display name). PROFILE_NOT_FOUND for anything else, a malformed id included."""
    with deps.uow() as uow:
        user = uow.users.get(user_id)
        if user is not None:
            return Outcome(_public(user))
        room_guest = uow.profiles.get(user_id)
    if room_guest is None:
        raise NotFound(ErrorCode.PROFILE_NOT_FOUND, "no such profile")
    return Outcome(PublicProfile(room_guest.user_id, room_guest.username, room_guest.avatar, True))


def update_profile(
    deps: Deps,
    claims: Claims,
    user_id: str,
    username: str | Keep = KEEP,
    avatar: str | None | Keep = KEEP,
) -> Outcome[ProfileUpdated]:
    """Change one's own name and/or avatar (None removes it). Only with one's own user
    token: a room token is FORBIDDEN, another identity's token IDENTITY_MISMATCH."""
    if not isinstance(claims, UserTokenClaims):
        raise Forbidden(ErrorCode.FORBIDDEN, "editing a profile takes a user token")
    require_own_identity(claims, user_id)
    name = username if isinstance(username, Keep) else check_username(username)
    if isinstance(avatar, str):
        avatar = check_avatar(avatar)
    with deps.uow(write=True) as uow:
        check_live(deps, uow, claims)  # a logged-out sign-in edits nothing
        user = _own(uow, claims.user_id)
        if not isinstance(name, Keep) and name != user.username:
            key = username_key(name)
            holder = uow.users.by_username_key(key)
            if holder is not None and holder.user_id != user.user_id:
                raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
            user = dataclasses.replace(user, username=name, username_key=key)
        if not isinstance(avatar, Keep):
            user = dataclasses.replace(user, avatar=avatar)
        uow.users.update(user)
        uow.commit()
    now = deps.clock.now_ms()
    token = issue_access_token(deps, user, claims.family_id, now)
    return Outcome(ProfileUpdated(_public(user), token, deps.config.user_token_ttl_s))


def _own(uow: UnitOfWork, user_id: str) -> User:
    user = uow.users.get(user_id)
    if user is None:  # a live sign-in of a user that is gone: nothing to edit
        raise NotFound(ErrorCode.PROFILE_NOT_FOUND, "no such profile")
    return user


def _public(user: User) -> PublicProfile:
    return PublicProfile(user.user_id, user.username, user.avatar, user.guest)
