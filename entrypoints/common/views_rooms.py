"""Rooms and messages: the views of their routes (routes_rooms.py)."""

from __future__ import annotations

from msgspec import UNSET

from domain.model.errors import ChatError, ErrorCode, Forbidden
from domain.model.policies import Claims, UserTokenClaims
from domain.usecases.create_room import create_room
from domain.usecases.delete_message import delete_message
from domain.usecases.deps import Deps
from domain.usecases.edit_message import edit_message
from domain.usecases.join_as_member import join_as_member
from domain.usecases.presence import room_presence
from domain.usecases.read_history import read_history
from domain.usecases.renew_session import renew_room_token
from domain.usecases.send_message import SendCommand
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.batching import Batched, SendResult
from entrypoints.common.errors import INTERNAL
from entrypoints.common.http_api import error_response
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse
from entrypoints.common.recovery import client_id
from entrypoints.common.schemas import NoQuery
from entrypoints.common.schemas_rooms import (
    CreateRoom,
    EditMessage,
    JoinRoom,
    MessagesQuery,
    PostMessage,
    RenewRoomToken,
    VerifyRoom,
)
from entrypoints.common.shapes import edited_at, message_json, present_json


def create_room_view(
    deps: Deps, request: HttpRequest, claims: Claims | None, data: CreateRoom, __: NoQuery
) -> Answer:
    if claims is not None and not isinstance(claims, UserTokenClaims):
        raise Forbidden(ErrorCode.FORBIDDEN, "a room is created with no token, or a user token")
    admin_password = None if data.admin_password is UNSET else data.admin_password
    out = create_room(
        deps, data.room_id, data.password, admin_password, claims, data.username, request.client
    )
    made = out.value
    body = {
        "room_id": made.room_id,
        "admin_token": made.admin_token,
        "expires_in": made.expires_in,
        "user_id": made.user_id,
        "username": made.username,
    }
    return HttpResponse(201, body, out.events)


def verify_room_view(
    deps: Deps, request: HttpRequest, _: None, data: VerifyRoom, __: NoQuery
) -> Answer:
    password = None if data.password is UNSET else data.password
    out = verify_room_password(
        deps, request.path_params["room_id"], password, data.username, request.client
    )
    access = out.value
    body = {
        "token": access.token,
        "expires_in": access.expires_in,
        "user_id": access.user_id,
        "username": access.username,
    }
    return HttpResponse(200, body, out.events)


def renew_room_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: RenewRoomToken, __: NoQuery
) -> Answer:
    """A fresh room token for the bearer's identity (`renew_room_token`)."""
    out = renew_room_token(deps, claims, request.path_params["room_id"], request.client)
    access = out.value
    body = {
        "token": access.token,
        "expires_in": access.expires_in,
        "user_id": access.user_id,
        "username": access.username,
    }
    return HttpResponse(200, body, out.events)


def join_member_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: JoinRoom, _: NoQuery
) -> Answer:
    """A user joins a room with its password; its token alone grants the room from then on."""
    if not isinstance(claims, UserTokenClaims):
        # A room token is a grant of its own, for one guest in one room: no member is made.
        raise Forbidden(ErrorCode.FORBIDDEN, "joining as a member takes a user token")
    room_id = request.path_params["room_id"]
    out = join_as_member(deps, claims, room_id, data.password, request.client)
    member = out.value
    body = {"room_id": member.room_id, "user_id": member.user_id, "role": member.role.value}
    return HttpResponse(200, body, out.events)


def post_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: PostMessage, _: NoQuery
) -> Answer:
    """A post, authenticated and parsed; the send itself goes through the runtime's batcher."""
    room_id = request.path_params["room_id"]
    command = SendCommand(
        claims,
        room_id,
        data.message,
        client=request.client,
        user_id=data.user_id,
        client_id=client_id(data.client_id),
    )
    return Batched(command, post_message_response)


def post_message_response(result: SendResult) -> HttpResponse:
    if isinstance(result, ChatError):
        return error_response(result)
    if result is None:
        return HttpResponse(500, dict(INTERNAL))
    # A repeated client_id: the first message, nothing stored or broadcast (200, not 201).
    status = 201 if result.events else 200
    return HttpResponse(status, {"message_id": result.value.id}, result.events)


def list_messages_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, query: MessagesQuery
) -> Answer:
    out = read_history(
        deps,
        claims,
        request.path_params["room_id"],
        query.limit,
        query.before or None,
        request.client,
    )
    page = out.value
    messages = [message_json(m, page.reactions.get(m.id)) for m in page.messages]
    body = {"messages": messages, "next_before": page.next_before}
    return HttpResponse(200, body)


def presence_view(deps: Deps, request: HttpRequest, claims: Claims, _: None, __: NoQuery) -> Answer:
    out = room_presence(deps, claims, request.path_params["room_id"], request.client)
    found = out.value
    users = [present_json(p) for p in found.users]
    return HttpResponse(200, {"room_id": found.room_id, "users": users, "count": found.count})


def delete_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, __: NoQuery
) -> Answer:
    room_id, message_id = request.path_params["room_id"], request.path_params["message_id"]
    out = delete_message(deps, claims, room_id, message_id, request.client)
    body = {"room_id": room_id, "message_id": out.value, "deleted": True}
    return HttpResponse(200, body, out.events)


def edit_message_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: EditMessage, _: NoQuery
) -> Answer:
    room_id, message_id = request.path_params["room_id"], request.path_params["message_id"]
    out = edit_message(
        deps, claims, room_id, message_id, data.message, request.client, data.user_id
    )
    message = out.value
    body = {
        "room_id": message.room_id,
        "message_id": message.id,
        "message": message.text,
        "edited_at": edited_at(message),
    }
    return HttpResponse(200, body, out.events)
