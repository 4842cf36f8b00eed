"""Rooms and messages: their entries of the route table (views in views_rooms.py)."""

from __future__ import annotations

from entrypoints.common.http_types import Reply, Route
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import MESSAGE_LIMITS, SIGNUP_LIMITS
from entrypoints.common.recovery import changes_view
from entrypoints.common.route_errors import (
    LIMITED,
    MALFORMED,
    NO_QUERY,
    NOT_A_SEGMENT,
    NOT_GRANTED,
    TOO_LARGE,
    UNAUTHORIZED,
)
from entrypoints.common.schemas_changes import ChangesOut, ChangesQuery
from entrypoints.common.schemas_rooms import (
    CreateRoom,
    EditMessage,
    Joined,
    JoinRoom,
    MessageDeletedOut,
    MessageEditedOut,
    MessagePage,
    MessagePosted,
    MessagesQuery,
    PostMessage,
    PresenceOut,
    RenewRoomToken,
    RoomAccess,
    RoomCreated,
    VerifyRoom,
)
from entrypoints.common.views_rooms import (
    create_room_view,
    delete_message_view,
    edit_message_view,
    join_member_view,
    list_messages_view,
    post_message_view,
    presence_view,
    renew_room_view,
    verify_room_view,
)

CREATE_ROOM = Route(
    "POST",
    "/room/create",
    "create_room",
    create_room_view,
    Lane.PASSWORD,
    body=CreateRoom,
    summary="Create a room; the creator gets an admin token. With a user token, its "
    "user is the creator: the room's admin member, whose token alone administers it.",
    ok=Reply(201, "Created.", RoomCreated),
    errors={
        429: LIMITED,
        400: MALFORMED,
        401: "A bearer token that is not valid (`unauthorized`).",
        403: "A room token (`forbidden`): a room is created with no token or a user token.",
        409: "A room with this id exists (`room_exists`); rooms are never overwritten.",
        413: TOO_LARGE,
    },
    limits=SIGNUP_LIMITS,
    bearer_optional=True,
)


VERIFY_ROOM = Route(
    "POST",
    "/chat/<room_id>/verify",
    "verify_room",
    verify_room_view,
    Lane.PASSWORD,
    body=VerifyRoom,
    summary="Trade the room password for a short-lived room token and a new guest identity.",
    ok=Reply(200, "Verified.", RoomAccess),
    errors={
        429: LIMITED,
        400: MALFORMED,
        401: "Wrong password (`bad_password`).",
        404: "No such room (`room_not_found`), or the room id is not one path segment.",
        409: "The chosen username is held by an account or a guest profile (`username_taken`).",
        413: TOO_LARGE,
    },
    room_password_field="password",  # noqa: S106
)


RENEW_ROOM_TOKEN = Route(
    "POST",
    "/chat/<room_id>/renew",
    "renew_room_token",
    renew_room_view,
    body=RenewRoomToken,
    body_optional=True,
    summary="Trade a current room token for a fresh one of the same identity, room and "
    "role, while the room still grants it; a guest's session ends "
    "SECURECHAT_GUEST_SESSION_TTL after its first token (default 7 days). No body, or `{}`.",
    ok=Reply(200, "Renewed.", RoomAccess),
    errors={
        401: "No, expired, forged or revoked token (`unauthorized`): the room was deleted, "
        "its password changed or (an admin token) the admin token rotated; or the guest "
        "session is over (`session_expired`).",
        403: "A room token of another room, or a user token (`forbidden`); kicked "
        "(`kicked`) or banned (`banned`); an address the room no longer admits "
        "(`ip_not_verified`).",
        404: NOT_A_SEGMENT,
        400: MALFORMED + " This route takes no field and no query.",
        413: TOO_LARGE,
    },
    bearer=True,
)


JOIN_ROOM = Route(
    "POST",
    "/chat/<room_id>/join",
    "join_room",
    join_member_view,
    Lane.PASSWORD,
    body=JoinRoom,
    summary="Join a room as a member with a user token and the room's password; the "
    "user token alone then grants the room (REST and sockets).",
    ok=Reply(200, "A member (already one: no password is checked).", Joined),
    errors={
        400: MALFORMED,
        401: "No, expired, forged or revoked token (`unauthorized`), or a wrong room "
        "password (`bad_password`).",
        403: "A room token: joining as a member takes a user token (`forbidden`).",
        404: "No such room (`room_not_found`), or the room id is not one path segment.",
        413: TOO_LARGE,
        429: LIMITED,
    },
    bearer=True,
    room_password_field="password",  # noqa: S106
)


# Parsing and a cached token check only; the send is batched.
POST_MESSAGE = Route(
    "POST",
    "/chat/<room_id>",
    "post_message",
    post_message_view,
    Lane.INLINE,
    body=PostMessage,
    summary="Post a message; it is stored encrypted, then broadcast to the room's sockets.",
    ok=Reply(
        201,
        "Stored (committed) and broadcast; 200: a repeated `client_id`, answered with the "
        "first message's id (nothing stored or broadcast).",
        MessagePosted,
    ),
    errors={
        400: MALFORMED,
        401: UNAUTHORIZED,
        403: NOT_GRANTED + " Or a `user_id` other than the token's (`identity_mismatch`).",
        404: NOT_A_SEGMENT,
        413: TOO_LARGE,
        429: "Too many messages from this identity (`rate_limited`): see Retry-After.",
    },
    bearer=True,
    limits=MESSAGE_LIMITS,  # by identity: counted once the token is verified
)


LIST_MESSAGES = Route(
    "GET",
    "/chat/<room_id>/messages",
    "list_messages",
    list_messages_view,
    query=MessagesQuery,
    summary="A page of the newest messages before a cursor, oldest first within the page.",
    ok=Reply(200, "A page.", MessagePage),
    errors={
        400: "`limit` outside 1-100 (`invalid_limit`), not an integer or an unknown "
        "parameter (`invalid_query`), or a malformed cursor (`invalid_cursor`).",
        401: UNAUTHORIZED,
        403: NOT_GRANTED,
        404: NOT_A_SEGMENT,
    },
    bearer=True,
)


ROOM_CHANGES = Route(
    "GET",
    "/chat/<room_id>/changes",
    "room_changes",
    changes_view,
    query=ChangesQuery,
    summary="What changed in the room after an offset of its change stream (the `offset` "
    "and `epoch` of the last event or `join` ack seen): every change in order "
    "(`recovered`), or `recovered: false` and a `reason`, and the client reloads the "
    "history. One indexed read; the same access as the history.",
    ok=Reply(200, "The changes, or why not.", ChangesOut),
    errors={
        400: "A missing or malformed `since` or `epoch`, or an unknown parameter "
        "(`invalid_query`).",
        401: UNAUTHORIZED,
        403: NOT_GRANTED,
        404: NOT_A_SEGMENT,
    },
    bearer=True,
)


ROOM_PRESENCE = Route(
    "GET",
    "/chat/<room_id>/presence",
    "room_presence",
    presence_view,
    summary="Who is connected to the room now (each identity once), with the same access "
    "as its history. This server process's sockets only.",
    ok=Reply(200, "The list.", PresenceOut),
    errors={400: NO_QUERY, 401: UNAUTHORIZED, 403: NOT_GRANTED, 404: NOT_A_SEGMENT},
    bearer=True,
)


DELETE_MESSAGE = Route(
    "DELETE",
    "/chat/<room_id>/messages/<message_id>",
    "delete_message",
    delete_message_view,
    summary="Delete one message (its sender, or an admin); the room's sockets get "
    "`message_deleted`.",
    ok=Reply(200, "Deleted.", MessageDeletedOut),
    errors={
        400: "Not a message id (`invalid_message_id`), or not a room id (`invalid_room_id`).",
        401: UNAUTHORIZED,
        403: NOT_GRANTED + " Or someone else's message, for a non-admin (`forbidden`).",
        404: "No such message in this room (`message_not_found`), or a path parameter "
        "is not one segment.",
    },
    bearer=True,
)


EDIT_MESSAGE = Route(
    "PATCH",
    "/chat/<room_id>/messages/<message_id>",
    "edit_message",
    edit_message_view,
    body=EditMessage,
    summary="Replace the text of one's own message (the same bounds as a new one), "
    "within SECURECHAT_EDIT_WINDOW_SECONDS of sending it (default 24 hours); it is "
    "stored encrypted anew, and the room's sockets get `message_edited`.",
    ok=Reply(200, "Edited.", MessageEditedOut),
    errors={
        400: MALFORMED + " Not a message id (`invalid_message_id`).",
        401: UNAUTHORIZED,
        403: NOT_GRANTED + " Or someone else's message (`not_sender`; admins "
        "neither), a message older than the edit window (`edit_window_closed`), or a "
        "`user_id` other than the token's (`identity_mismatch`).",
        404: "No such message in this room (`message_not_found`), or a path parameter "
        "is not one segment.",
        413: TOO_LARGE,
        429: "Over its identity's message limit (`rate_limited`): edits count with sends.",
    },
    bearer=True,
    limits=MESSAGE_LIMITS,  # by identity, like a send: counted once the token is verified
)
