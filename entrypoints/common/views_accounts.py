"""Accounts and profiles: the views of their routes (routes_accounts.py)."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET

from domain.model.policies import Claims
from domain.model.profiles import PublicProfile
from domain.usecases import accounts, profiles
from domain.usecases.deps import Deps
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse
from entrypoints.common.schemas import NoQuery
from entrypoints.common.schemas_accounts import (
    CreateProfile,
    Login,
    RefreshTokenBody,
    Register,
    UpdateProfile,
)


def register_view(deps: Deps, request: HttpRequest, _: None, data: Register, __: NoQuery) -> Answer:
    out = accounts.register(deps, data.username, data.password)
    return HttpResponse(201, _signed_in(out.value), out.events)


def login_view(deps: Deps, request: HttpRequest, _: None, data: Login, __: NoQuery) -> Answer:
    out = accounts.login(deps, data.username, data.password, request.client)
    return HttpResponse(200, _signed_in(out.value), out.events)


def refresh_view(
    deps: Deps, request: HttpRequest, _: None, data: RefreshTokenBody, __: NoQuery
) -> Answer:
    out = accounts.refresh(deps, data.refresh_token)
    return HttpResponse(200, _signed_in(out.value), out.events)


def logout_view(
    deps: Deps, request: HttpRequest, _: None, data: RefreshTokenBody, __: NoQuery
) -> Answer:
    out = accounts.logout(deps, data.refresh_token)
    return HttpResponse(200, {"revoked": True}, out.events)


def _signed_in(signed: accounts.SignedIn) -> dict[str, Any]:
    return {
        "user_id": signed.user_id,
        "username": signed.username,
        "access_token": signed.access_token,
        "refresh_token": signed.refresh_token,
        "expires_in": signed.expires_in,
    }


def create_profile_view(
    deps: Deps, request: HttpRequest, _: None, data: CreateProfile, __: NoQuery
) -> Answer:
    out = profiles.create_guest(deps, data.user_id, data.username, data.avatar)
    signed = _signed_in(out.value.signed_in)
    return HttpResponse(201, _profile(out.value.profile) | signed, out.events)


def get_profile_view(deps: Deps, request: HttpRequest, _: None, __: None, ___: NoQuery) -> Answer:
    out = profiles.get_profile(deps, request.path_params["user_id"])
    return HttpResponse(200, _profile(out.value), out.events)


def update_profile_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: UpdateProfile, _: NoQuery
) -> Answer:
    out = profiles.update_profile(
        deps,
        claims,
        request.path_params["user_id"],
        profiles.KEEP if data.username is UNSET else data.username,
        profiles.KEEP if data.avatar is UNSET else data.avatar,
    )
    updated = out.value
    body = _profile(updated.profile)
    body |= {"access_token": updated.access_token, "expires_in": updated.expires_in}
    return HttpResponse(200, body, out.events)


def _profile(profile: PublicProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "username": profile.username,
        "avatar": profile.avatar,
        "guest": profile.guest,
    }
