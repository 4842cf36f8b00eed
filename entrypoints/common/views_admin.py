"""Room administration: the views of its routes (routes_admin.py)."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET

from domain.model.errors import ErrorCode, Unauthorized
from domain.model.policies import Claims, Credential
from domain.model.rooms import RoomSettings
from domain.usecases import ownership
from domain.usecases.act_on_member import Action, act_on_member
from domain.usecases.admin_access import prove_admin_password
from domain.usecases.clear_history import clear_history
from domain.usecases.delete_room import delete_room
from domain.usecases.deps import Deps
from domain.usecases.revoke_ip import revoke_ip
from domain.usecases.room_networks import Networks
from domain.usecases.room_overview import room_overview
from domain.usecases.update_settings import SettingsChange, update_settings
from domain.usecases.verify_ip import verify_ip
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse, View
from entrypoints.common.schemas import NoQuery
from entrypoints.common.schemas_admin import (
    AdminBody,
    AdminInput,
    MemberBody,
    RoomIdBody,
    RoomNetworkBody,
    SettingsPatch,
)
from entrypoints.common.shapes import iso_ms


def admin_credential(
    deps: Deps, claims: Claims | None, data: AdminInput, room_id: str
) -> Credential:
    """What proves admin for this request: the admin password in the body (verified here,
    in the password lane: `Route.password_field`), else the bearer token's claims."""
    if data.admin_password is not UNSET:
        return prove_admin_password(deps, room_id, data.admin_password)
    if claims is None:
        raise Unauthorized(
            ErrorCode.UNAUTHORIZED, "a bearer token or the room's admin password is required"
        )
    return claims


def delete_room_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: RoomIdBody, _: NoQuery
) -> Answer:
    credential = admin_credential(deps, claims, data, data.room_id)
    out = delete_room(deps, credential, data.room_id, request.client)
    return HttpResponse(200, {"room_id": out.value, "deleted": True}, out.events)


def clear_history_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: AdminBody, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    credential = admin_credential(deps, claims, data, room_id)
    out = clear_history(deps, credential, room_id, request.client)
    return HttpResponse(200, {"room_id": room_id, "cleared": out.value}, out.events)


def room_overview_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    room = room_overview(deps, claims, room_id, request.client).value
    body = {
        "room_id": room.room_id,
        "created_by": room.created_by,
        "owner": room.owner,
        "created_at": iso_ms(room.created_at_ms),
        "settings": _settings(room.settings),
        "members": [
            {
                "user_id": m.user_id,
                "username": m.username,
                "role": m.role.value,
                "joined_at": iso_ms(m.joined_at_ms),
                "standing": m.standing.value,
                "until": iso_ms(m.until_ms) if m.until_ms is not None else None,
                "guest": m.guest,
            }
            for m in room.members
        ],
        "message_count": room.message_count,
        "verified_ips": room.verified,
        "pending_ips": room.pending,
    }
    return HttpResponse(200, body)


def _settings(settings: RoomSettings) -> dict[str, Any]:
    return {"message_limit": settings.message_limit, "ip_policy": settings.ip_policy.value}


def update_settings_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: SettingsPatch, _: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    change = SettingsChange(
        message_limit=None if data.message_limit is UNSET else data.message_limit,
        clear_message_limit=data.message_limit is None,
        password=None if data.password is UNSET else data.password,
        ip_policy=None if data.ip_policy is UNSET else data.ip_policy,
    )
    credential = admin_credential(deps, claims, data, room_id)
    out = update_settings(deps, credential, room_id, change, request.client)
    body = {
        "room_id": room_id,
        "settings": _settings(out.value.settings),
        "password_changed": out.value.password_changed,
    }
    return HttpResponse(200, body, out.events)


def rotate_admin_token_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: AdminBody, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    credential = admin_credential(deps, claims, data, room_id)
    out = ownership.rotate_admin_token(deps, credential, room_id, request.client)
    body = {"admin_token": out.value.token, "expires_in": out.value.expires_in}
    return HttpResponse(200, body, out.events)


def transfer_owner_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: MemberBody, __: NoQuery
) -> Answer:
    room_id = request.path_params["room_id"]
    credential = admin_credential(deps, claims, data, room_id)
    out = ownership.transfer_ownership(deps, credential, room_id, data.user_id, request.client)
    body = {"room_id": out.value.room_id, "owner": out.value.owner, "previous": out.value.previous}
    return HttpResponse(200, body, out.events)


def verify_ip_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: RoomNetworkBody, _: NoQuery
) -> Answer:
    credential = admin_credential(deps, claims, data, data.room_id)
    out = verify_ip(deps, credential, data.room_id, data.ip, request.client)
    return HttpResponse(200, _networks(out.value), out.events)


def revoke_ip_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: RoomNetworkBody, _: NoQuery
) -> Answer:
    credential = admin_credential(deps, claims, data, data.room_id)
    out = revoke_ip(deps, credential, data.room_id, data.ip, request.client)
    return HttpResponse(200, _networks(out.value), out.events)


def _networks(networks: Networks) -> dict[str, Any]:
    return {
        "room_id": networks.room_id,
        "ip_policy": networks.ip_policy.value,
        "verified_ips": networks.verified,
        "pending_ips": networks.pending,
    }


def member_action_view(action: Action) -> View:
    """The view of one admin action on a member (promote, demote, kick, ban, unban)."""

    def view(
        deps: Deps, request: HttpRequest, claims: Claims | None, data: MemberBody, _: NoQuery
    ) -> Answer:
        room_id = request.path_params["room_id"]
        credential = admin_credential(deps, claims, data, room_id)
        out = act_on_member(deps, credential, room_id, data.user_id, action, request.client)
        held = out.value.membership
        body = {
            "room_id": out.value.room_id,
            "user_id": out.value.user_id,
            "role": held.role.value if held else None,
            "standing": held.standing.value if held else None,
            "until": iso_ms(held.until_ms) if held and held.until_ms is not None else None,
        }
        return HttpResponse(200, body, out.events)

    return view
