"""Revocations told to every process of a cluster (SECURECHAT_REDIS_URL).

A logout, a replayed refresh token, a new room password or admin token, a deleted room, a
kick, a ban or a narrowed address list ends sockets at once (ServerBase.revocation_steps):
but only this process knows its own sockets. So the committed event also goes, as JSON, to
every other process, on the Socket.IO manager's own Redis channel: an emit to `RELAY_ROOM`,
a room no socket is ever in, which each runtime's manager hands to `ServerBase.relayed_steps`
instead of emitting (entrypoints/flask/manager.py, entrypoints/quart/manager.py). The
process that committed it has acted already and skips its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from domain.model.events import (
    AddressesNarrowed,
    Event,
    FamilyRevoked,
    MemberRemoved,
    RoomDeleted,
    RoomTokensRevoked,
)
from domain.model.members import Standing
from domain.model.sessions import EndReason
from entrypoints.common.settings import Settings

# Not a room id a client can name (room ids are UUIDs): no socket ever enters it.
RELAY_ROOM = "securechat:relay"
RELAY_EVENT = "revoked"


def pubsub_channel(settings: Settings) -> str:
    """The Redis channel of the Socket.IO managers: one per cluster (its prefix)."""
    return f"{settings.redis_prefix}:socketio"


def local_target(manager: Any, namespace: str, kwargs: Mapping[str, Any]) -> str | None:
    """The socket an emit is for, when it is one of this process's own: no other process has
    it, so it need not cross the channel. None: a room, or someone else's socket."""
    target = kwargs.get("to") or kwargs.get("room")
    if kwargs.get("callback") is None and isinstance(target, str):
        return target if manager.is_connected(target, namespace) else None
    return None


def relayed(message: Mapping[str, Any], host_id: str) -> list[object] | None:
    """A channel message's revocation payloads for this process (none when it sent them
    itself); None when the message is an ordinary emit."""
    if message.get("room") != RELAY_ROOM:
        return None
    data = message.get("data")
    mine = message.get("host_id") == host_id
    return [data[0]] if not mine and isinstance(data, list) and data else []


def _family(d: Mapping[str, Any]) -> Event:
    return FamilyRevoked(str(d["family_id"]), str(d["user_id"]), EndReason(d["reason"]))


def _tokens(d: Mapping[str, Any]) -> Event:
    return RoomTokensRevoked(
        str(d["room_id"]),
        str(d["incarnation"]),
        int(d["password_version"]),
        int(d["admin_version"]),
        EndReason(d["reason"]),
    )


def _deleted(d: Mapping[str, Any]) -> Event:
    return RoomDeleted(str(d["room_id"]), str(d["incarnation"]))


def _removed(d: Mapping[str, Any]) -> Event:
    return MemberRemoved(str(d["room_id"]), str(d["user_id"]), Standing(d["standing"]))


def _narrowed(d: Mapping[str, Any]) -> Event:
    networks = tuple(str(n) for n in d["networks"])
    return AddressesNarrowed(str(d["room_id"]), networks, str(d["owner"]))


# kind -> (its class, the fields it carries, how to read it back)
_KINDS: dict[str, tuple[type, tuple[str, ...], Callable[[Mapping[str, Any]], Event]]] = {
    "family": (FamilyRevoked, ("family_id", "user_id", "reason"), _family),
    "tokens": (
        RoomTokensRevoked,
        ("room_id", "incarnation", "password_version", "admin_version", "reason"),
        _tokens,
    ),
    "deleted": (RoomDeleted, ("room_id", "incarnation"), _deleted),
    "removed": (MemberRemoved, ("room_id", "user_id", "standing"), _removed),
    "narrowed": (AddressesNarrowed, ("room_id", "networks", "owner"), _narrowed),
}


def encode(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The revocations among `events`, as JSON values (enums by value, tuples as lists);
    sent as {"events": [...]}."""
    out: list[dict[str, Any]] = []
    for event in events:
        for kind, (cls, names, _) in _KINDS.items():
            if isinstance(event, cls):
                fields = {name: getattr(event, name) for name in names}
                if "networks" in fields:
                    fields["networks"] = list(fields["networks"])
                out.append({"kind": kind, **fields})
    return out


def decode(payload: object) -> list[Event]:
    """`encode`'s output read back; anything else on the channel is ignored."""
    events: list[Event] = []
    items = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return events
    for item in items:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind in _KINDS:
            try:
                events.append(_KINDS[kind][2](item))
            except (KeyError, TypeError, ValueError):
                continue
    return events
