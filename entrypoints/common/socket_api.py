"""The Socket.IO protocol, runtime-neutral: each event in, an ack and emits out.

`SOCKET_EVENTS` is the one table of the socket surface: each entry names the event, the
schema of its payload (schemas.py), its handler and its lane. `ServerBase.event_steps` runs
`SocketProtocol.run` (socket_connections.py: the live connections) in the event's lane,
which decodes the payload as the schema says before the handler sees it; a `Batched` send
goes through the runtime's batcher; then the connection enters or leaves the Socket.IO room
the result names, and the emits go out.
Adding an event means a schema, a handler and an entry here (and its use case), nothing per
runtime.

Every event is authorized on its own: a connection carries the claims it proved at connect
(a room token, or a user token), and may act only in rooms it joined with them. A user
token joins a room it is not a member of with the room's password (`join_as_member`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from domain.model.errors import ChatError, ErrorCode
from domain.model.policies import (
    Grant,
    UserTokenClaims,
)
from domain.model.rooms import RoomId
from domain.usecases.deps import Deps
from domain.usecases.edit_message import edit_message
from domain.usecases.join_as_member import join_as_member
from domain.usecases.join_room import join_room, leave_room
from domain.usecases.react import react
from domain.usecases.send_message import SendCommand
from domain.usecases.typing import set_typing
from entrypoints.common import recovery
from entrypoints.common.batching import Batched, SendResult
from entrypoints.common.errors import (
    INTERNAL_MESSAGE,
    TransportCode,
    error_ack,
    failed_ack,
)
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import MESSAGE_LIMITS
from entrypoints.common.schemas_rooms import (
    EditPayload,
    JoinPayload,
    MessagePayload,
    ReactionPayload,
    RenewPayload,
    RoomPayload,
    TypingPayload,
)
from entrypoints.common.shapes import edited_at
from entrypoints.common.socket_connections import (
    Connection,
    EventOutcome,
    SocketEvent,
    SocketProtocol,
    SocketResult,
)
from entrypoints.common.socket_events import channel, emits_for
from entrypoints.common.socket_sessions import renew

OK: dict[str, Any] = {"ok": True, "status": "success"}

# -- the events ---------------------------------------------------------------------------


def join_event(deps: Deps, connection: Connection, sid: str, data: JoinPayload) -> EventOutcome:
    """Enter a room the connection's token grants; a user token with a password first joins
    as a member (a room token's password is ignored: the token is its only grant)."""
    room_id = _room(data.room)
    claims, asked = connection.claims, recovery.since(data.since)
    # The ack's `offset` and `epoch` (and `since`'s recovery), read once the room is entered.
    then = partial(recovery.join_recovery, deps, claims, room_id, asked, connection.client)
    if room_id in connection.rooms:
        return SocketResult(dict(OK), then=then)
    if isinstance(claims, UserTokenClaims) and data.password is not None:
        join_as_member(deps, claims, room_id, data.password, connection.client)
    out = join_room(deps, claims, room_id, sid, connection.client)
    connection.rooms[room_id] = out.value
    return SocketResult(dict(OK), emits_for(out.events), enter=channel(room_id), then=then)


def message_event(
    deps: Deps, connection: Connection, sid: str, data: MessagePayload
) -> EventOutcome:
    """Validate a send (cheap, no I/O); the send itself goes through the batcher."""
    room_id = _joined(connection, data.room).room_id
    command = SendCommand(
        connection.claims,
        room_id,
        data.message,
        client=connection.client,
        user_id=data.user_id,
        client_id=recovery.client_id(data.client_id),
    )
    return Batched(command, sent_ack)


def sent_ack(result: SendResult) -> SocketResult:
    """The ack (and emits) of a sent message."""
    if isinstance(result, ChatError):
        return SocketResult(failed_ack(result))
    if result is None:
        return SocketResult(error_ack(TransportCode.INTERNAL_ERROR, INTERNAL_MESSAGE))
    return SocketResult({**OK, "message_id": result.value.id}, emits_for(result.events))


def leave_event(deps: Deps, connection: Connection, sid: str, data: RoomPayload) -> EventOutcome:
    room_id = _room(data.room)
    grant = connection.rooms.pop(room_id, None)
    if grant is None:
        raise ChatError(ErrorCode.NOT_JOINED, "this connection is not in that room")
    out = leave_room(deps, grant, sid)
    return SocketResult(dict(OK), emits_for(out.events), exit=channel(room_id))


def typing_event(deps: Deps, connection: Connection, sid: str, data: TypingPayload) -> EventOutcome:
    """Show (or stop showing) the caller typing in a room it joined: in memory, inline."""
    grant = _joined(connection, data.room)
    out = set_typing(deps, connection.claims, grant, data.is_typing, data.user_id)
    return SocketResult(dict(OK), emits_for(out.events))


def reaction_event(
    deps: Deps, connection: Connection, sid: str, data: ReactionPayload
) -> EventOutcome:
    """Toggle the caller's reaction on a message of a room this connection joined; the
    room (sender included) gets `reaction_update` with all the message's reactions."""
    room_id = _joined(connection, data.room).room_id
    out = react(
        deps,
        connection.claims,
        room_id,
        data.message_id,
        data.reaction,
        connection.client,
        data.user_id,
    )
    done = out.value
    ack = {**OK, "message_id": done.message_id, "on": done.on, "reactions": done.reactions}
    return SocketResult(ack, emits_for(out.events))


def edit_event(deps: Deps, connection: Connection, sid: str, data: EditPayload) -> EventOutcome:
    """Its sender replaces a message's text in a room this connection joined; the room
    gets `message_edited`."""
    room_id = _joined(connection, data.room).room_id
    out = edit_message(
        deps,
        connection.claims,
        room_id,
        data.message_id,
        data.message,
        connection.client,
        data.user_id,
    )
    ack = {**OK, "message_id": out.value.id, "edited_at": edited_at(out.value)}
    return SocketResult(ack, emits_for(out.events))


def renew_event(deps: Deps, connection: Connection, sid: str, data: RenewPayload) -> EventOutcome:
    """Go on with a fresh token of the same identity (socket_sessions.renew)."""
    return SocketResult({**OK, **renew(deps, connection, data)})


def _joined(connection: Connection, room: str) -> Grant:
    """What the connection's join of this room granted; NOT_JOINED if it has not joined it."""
    grant = connection.rooms.get(_room(room))
    if grant is None:
        raise ChatError(ErrorCode.NOT_JOINED, "join the room first")
    return grant


def _room(room: str) -> str:
    return RoomId(room).value


SOCKET_EVENTS: tuple[SocketEvent[Any], ...] = (
    SocketEvent(
        "join",
        JoinPayload,
        join_event,
        password_field="password",  # noqa: S106
    ),
    SocketEvent("message", MessagePayload, message_event, Lane.INLINE, limits=MESSAGE_LIMITS),
    SocketEvent("leave", RoomPayload, leave_event),
    SocketEvent("typing", TypingPayload, typing_event, Lane.INLINE, presence=True),
    # Storage and, for an edit, Fernet: a core worker's turn, never the loop's.
    SocketEvent("reaction", ReactionPayload, reaction_event, Lane.WORKER),
    SocketEvent("edit", EditPayload, edit_event, Lane.WORKER, limits=MESSAGE_LIMITS),
    # A token verified, a sign-in and each joined room read: a worker's turn.
    SocketEvent("renew", RenewPayload, renew_event, Lane.WORKER),
)
EVENTS_BY_NAME = {event.name: event for event in SOCKET_EVENTS}

# The events a client may send; anything else (reserved names included) is refused before it
# reaches a handler (socket_wire.screen).
EVENTS = frozenset(EVENTS_BY_NAME)


def call_event(protocol: SocketProtocol, name: str, sid: str, *args: object) -> EventOutcome:
    """`protocol.run` by event name, waiting for the connection's turn (tests, and callers
    without the table at hand)."""
    return protocol.run(EVENTS_BY_NAME[name], sid, args)
