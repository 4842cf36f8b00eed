"""Accounts and profiles: their entries of the route table (views in views_accounts.py)."""

from __future__ import annotations

from entrypoints.common.http_types import Reply, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import LOGIN_LIMITS, SIGNUP_LIMITS
from entrypoints.common.route_errors import LIMITED, MALFORMED, NO_QUERY, TOO_LARGE, UNAUTHORIZED
from entrypoints.common.schemas_accounts import (
    CreateProfile,
    GuestSignedIn,
    Login,
    Profile,
    ProfileUpdated,
    RefreshTokenBody,
    Register,
    SignedIn,
    SignedOut,
    UpdateProfile,
)
from entrypoints.common.views_accounts import (
    create_profile_view,
    get_profile_view,
    login_view,
    logout_view,
    refresh_view,
    register_view,
    update_profile_view,
)

REGISTER = Route(
    "POST",
    "/auth/register",
    "register",
    register_view,
    Lane.PASSWORD,
    body=Register,
    summary="Create an account and sign in: an access token and a refresh token.",
    ok=Reply(201, "Registered and signed in.", SignedIn),
    errors={
        429: LIMITED,
        400: MALFORMED,
        409: "The name is taken, in any spelling that folds to the same (`username_taken`).",
        413: TOO_LARGE,
    },
    limits=SIGNUP_LIMITS,
)


LOGIN = Route(
    "POST",
    "/auth/login",
    "login",
    login_view,
    Lane.PASSWORD,
    body=Login,
    summary="Sign in with a username and password.",
    ok=Reply(200, "Signed in.", SignedIn),
    errors={
        429: LIMITED,
        400: MALFORMED,
        401: "Wrong username or password, alike (`invalid_credentials`).",
        413: TOO_LARGE,
    },
    limits=LOGIN_LIMITS,
)


REFRESH = Route(
    "POST",
    "/auth/refresh",
    "refresh",
    refresh_view,
    body=RefreshTokenBody,
    summary="Trade a refresh token for a new access token and a new refresh token.",
    ok=Reply(200, "A new pair; the presented refresh token is used up.", SignedIn),
    errors={
        400: MALFORMED,
        401: "Unknown, expired, revoked or already used refresh token "
        "(`invalid_refresh_token`); a used one also revokes its whole sign-in.",
        413: TOO_LARGE,
    },
)


LOGOUT = Route(
    "POST",
    "/auth/logout",
    "logout",
    logout_view,
    body=RefreshTokenBody,
    summary="Sign out: revoke the sign-in of a refresh token and all its tokens.",
    ok=Reply(200, "Signed out.", SignedOut),
    errors={
        400: MALFORMED,
        401: "Not a refresh token this server issued (`invalid_refresh_token`).",
        413: TOO_LARGE,
    },
)


CREATE_PROFILE = Route(
    "POST",
    "/user/profile",
    "create_profile",
    create_profile_view,
    body=CreateProfile,
    summary="Create a guest profile (no password) under a chosen user id, signed in: an "
    "access token and a refresh token.",
    ok=Reply(201, "Created and signed in.", GuestSignedIn),
    errors={
        429: LIMITED,
        400: MALFORMED + " A user id starting with g_ is reserved (`reserved_user_id`).",
        409: "The user id is taken (`user_id_taken`), or the name, in any spelling that "
        "folds to the same, by an account or a guest profile (`username_taken`).",
        413: TOO_LARGE,
    },
    limits=SIGNUP_LIMITS,
)


GET_PROFILE = Route(
    "GET",
    "/user/profile/<user_id>",
    "get_profile",
    get_profile_view,
    summary="The public profile of an identity: an account, a guest profile or a room "
    "token's guest.",
    ok=Reply(200, "The profile.", Profile),
    errors={
        400: NO_QUERY,
        404: "No such identity (`profile_not_found`), or the id is not one path segment.",
    },
)


UPDATE_PROFILE = Route(
    "PUT",
    "/user/profile/<user_id>",
    "update_profile",
    update_profile_view,
    body=UpdateProfile,
    summary="Change one's own username and/or avatar, with one's own user token.",
    ok=Reply(200, "Changed; a new access token carries the new name.", ProfileUpdated),
    errors={
        400: MALFORMED,
        401: UNAUTHORIZED,
        403: "Another identity's profile (`identity_mismatch`), or a room token "
        "(`forbidden`): only a user token edits its own profile.",
        404: "The id is not one path segment (`not_found`).",
        409: "The name is taken, in any spelling that folds to the same (`username_taken`).",
        413: TOO_LARGE,
    },
    bearer=True,
)
