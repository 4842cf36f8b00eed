"""Every entry of `SOCKET_EVENTS` (entrypoints/common/socket_api.py), called directly over the
memory adapters, no server: the way both shells call it (entrypoints/flask/shell.py,
entrypoints/quart/shell.py), by performing the steps of `ServerBase.connect_steps`,
`event_steps` and `disconnect_steps`: the handler's call, a send through the batch function,
the room to enter or leave, the emits, and the ack.

Each event has a test of its success and of at least one refusal; the last test fails if an
event is added to the table without them."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import pytest

from domain.model.members import Standing
from domain.usecases.accounts import SignedIn, login, logout, refresh, register
from domain.usecases.create_room import create_room
from domain.usecases.deps import CoreConfig
from domain.usecases.renew_session import renew_room_token
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.bootstrap import Core
from entrypoints.common.http_types import HttpRequest
from entrypoints.common.lanes import Lane
from entrypoints.common.routes import ROUTES
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.shapes import iso_ms
from entrypoints.common.socket_api import EVENTS_BY_NAME, OK, SOCKET_EVENTS
from entrypoints.common.socket_connections import Refused
from entrypoints.common.socket_events import Emit, channel
from entrypoints.common.steps import (
    Call,
    Disconnect,
    Effect,
    Enter,
    Leave,
    Steps,
    Submit,
    drive,
)
from tests.support import PASSWORD, BrokenCipher, Coverage, World

T = TypeVar("T")
covered = Coverage()


def _join_ok(ack: dict[str, Any]) -> bool:
    """A join's ack: OK, and the room's place in its change stream (no `since`: no more)."""
    return (
        {k: v for k, v in ack.items() if k in OK} == OK
        and set(ack) == {*OK, "offset", "epoch"}
        and isinstance(ack["offset"], int)
        and isinstance(ack["epoch"], str)
    )


LOBBY = channel("lobby")


class Sockets:
    """A runtime shell without python-socketio: events in, acks out; it keeps the Socket.IO
    rooms each connection is in and everything emitted."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.base = ServerBase(Settings(), Core(Settings(), world.deps))
        self.rooms: dict[str, set[str]] = {}
        self.emitted: list[Emit] = []
        self.batches = 0
        self.lanes: list[Lane] = []  # of every call a step asked for
        self.disconnected: list[str] = []  # what the runtime was asked to end

    def connect(self, sid: str, token: str) -> None:
        self.drive(self.base.connect_steps(sid, {"token": token}))
        self.rooms[sid] = set()

    def event(self, name: str, sid: str, *args: object) -> dict[str, Any]:
        return self.drive(self.base.event_steps(name, sid, args))

    def disconnect(self, sid: str) -> None:
        self.drive(self.base.disconnect_steps(sid))
        self.rooms.pop(sid, None)

    def drive(self, steps: Steps[T]) -> T:
        """Perform `steps`, then what the sweep's next presence flush would send."""
        try:
            return drive(steps, self.perform)
        finally:
            self.emitted += self.base.fanout.flush()

    def perform(self, effect: Effect) -> Any:
        match effect:
            case Call(lane, fn, args):
                self.lanes.append(lane)
                return fn(*args)
            case Submit(command):  # what the shells' batchers do with a send
                self.batches += 1
                return self.base.send_batch([command])[0]
            case Enter(sid, room):
                self.rooms.setdefault(sid, set()).add(room)
            case Leave(sid, room):
                self.rooms.setdefault(sid, set()).discard(room)
            case Emit():
                self.emitted.append(effect)
            case Disconnect(sid):
                self.disconnected.append(sid)
        return None


@pytest.fixture
def sockets(world: World) -> Sockets:
    return Sockets(world)


def _member(world: World, room_id: str = "lobby", username: str | None = None) -> str:
    if world.store_factory.store.rooms.get(room_id) is None:
        create_room(world.deps, room_id, PASSWORD)
    return verify_room_password(world.deps, room_id, PASSWORD, username).value.token


def _joined(sockets: Sockets, sid: str = "s1", username: str = "alice") -> None:
    sockets.connect(sid, _member(sockets.world, "lobby", username))
    assert _join_ok(sockets.event("join", sid, {"room": "lobby"}))
    sockets.emitted.clear()


def _assert_refused(ack: dict[str, Any], code: str) -> None:
    assert ack["ok"] is False and ack["status"] == "error", ack
    assert ack["code"] == code and ack["error"], ack


def _presence(
    event: str,
    count: int,
    username: str = "alice",
    names: tuple[str, ...] | None = None,
    sid: str = "s1",
) -> list[tuple[str, str, Any]]:
    """What an identity's arrival or departure sends: on arrival, the list to the joining
    connection `sid` (`names`: who is listed, by default the one who came); then to the
    room, at the next flush, the delta."""
    joined, left = ((username,), ()) if event == "join" else ((), (username,))
    return [
        *([("presence", sid, (count, names or (username,)))] if event == "join" else []),
        ("status", LOBBY, (event, username)),
        ("online_count", LOBBY, count),
        ("presence_update", LOBBY, (count, joined, left)),
    ]


def _seen(emits: list[Emit]) -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    for emit in emits:
        if emit.event == "status":
            out.append((emit.event, emit.to, (emit.data["event"], emit.data["username"])))
        elif emit.event == "online_count":
            out.append((emit.event, emit.to, emit.data["count"]))
        elif emit.event == "presence":
            names = tuple(user["username"] for user in emit.data["users"])
            out.append((emit.event, emit.to, (emit.data["count"], names)))
        elif emit.event == "presence_update":
            came = tuple(user["username"] for user in emit.data["joined"])
            went = tuple(user["username"] for user in emit.data["left"])
            out.append((emit.event, emit.to, (emit.data["count"], came, went)))
        elif emit.event == "typing_status":
            names = tuple(user["username"] for user in emit.data["typing_users"])
            out.append((emit.event, emit.to, names))
        else:
            out.append((emit.event, emit.to, emit.data["message"]))
    return out


# -- join ---------------------------------------------------------------------------------


@covered.success("join")
def test_join_enters_the_room_counts_presence_and_tells_the_room(
    sockets: Sockets, world: World
) -> None:
    sockets.connect("s1", _member(world, "lobby", "alice"))

    assert _join_ok(sockets.event("join", "s1", {"room": "lobby"}))

    assert sockets.rooms["s1"] == {LOBBY}
    assert world.presence.count("lobby") == 1
    assert _seen(sockets.emitted) == _presence("join", 1)
    # Joining again is a no-op: no second presence, nothing told.
    assert _join_ok(sockets.event("join", "s1", {"room": "lobby"}))
    assert world.presence.count("lobby") == 1
    assert len(sockets.emitted) == 4


@covered.refusal("join")
def test_join_with_another_rooms_token_is_forbidden(sockets: Sockets, world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    sockets.connect("s1", _member(world, "other"))

    _assert_refused(sockets.event("join", "s1", {"room": "lobby"}), "forbidden")

    assert sockets.rooms["s1"] == set()
    assert world.presence.count("lobby") == 0
    assert sockets.emitted == []


@covered.refusal("join")
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (({},), "missing_field"),
        (({"room": 7},), "invalid_field"),
        (({"room": "no spaces"},), "invalid_room_id"),
        (("lobby",), "invalid_event"),
        ((), "invalid_event"),
    ],
)
def test_join_refuses_bad_data(
    sockets: Sockets, world: World, args: tuple[object, ...], code: str
) -> None:
    sockets.connect("s1", _member(world))
    _assert_refused(sockets.event("join", "s1", *args), code)
    assert sockets.rooms["s1"] == set() and world.presence.count("lobby") == 0


@covered.refusal("join")
def test_join_on_a_connection_never_admitted_is_unauthorized(
    sockets: Sockets, world: World
) -> None:
    _member(world)
    _assert_refused(sockets.event("join", "stranger", {"room": "lobby"}), "unauthorized")
    assert world.presence.count("lobby") == 0


def _signed_in(world: World, username: str = "bob") -> SignedIn:
    """A user signed in (registered on first use, else a new sign-in)."""
    if any(u.username == username for u in world.store_factory.store.users.values()):
        return login(world.deps, username, PASSWORD).value
    return register(world.deps, username, PASSWORD).value


@covered.success("join")
def test_a_user_token_joins_with_the_password_once_then_without_it(
    sockets: Sockets, world: World
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    user = _signed_in(world)
    sockets.connect("s1", user.access_token)
    sockets.lanes.clear()

    assert _join_ok(sockets.event("join", "s1", {"room": "lobby", "password": PASSWORD}))

    # argon2 never takes a worker's turn; the change stream is read once the room is entered
    assert sockets.lanes == [Lane.PASSWORD, Lane.WORKER]
    assert sockets.rooms["s1"] == {LOBBY}
    assert _seen(sockets.emitted) == _presence("join", 1, "bob")
    # Another socket of the same user (another sign-in even) needs no password now.
    sockets.connect("s2", _signed_in(world).access_token)
    sockets.lanes.clear()
    assert _join_ok(sockets.event("join", "s2", {"room": "lobby"}))
    assert sockets.lanes == [Lane.WORKER, Lane.WORKER]
    ack = sockets.event("message", "s2", {"room": "lobby", "message": "hi"})
    assert ack["ok"] is True
    [stored] = world.store_factory.store.messages["lobby"]
    assert stored.user_id == user.user_id and stored.username == "bob"


@covered.refusal("join")
def test_a_user_token_without_membership_or_with_a_wrong_password_is_refused(
    sockets: Sockets, world: World
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    sockets.connect("s1", _signed_in(world).access_token)
    _assert_refused(sockets.event("join", "s1", {"room": "lobby"}), "forbidden")
    _assert_refused(
        sockets.event("join", "s1", {"room": "lobby", "password": "wrong wrong"}), "bad_password"
    )
    _assert_refused(
        sockets.event("join", "s1", {"room": "lobby", "password": PASSWORD, "user_id": "u_x"}),
        "unexpected_field",
    )
    _assert_refused(sockets.event("join", "s1", {"room": "lobby", "password": 7}), "invalid_field")
    assert sockets.rooms["s1"] == set() and world.presence.count("lobby") == 0
    assert world.store_factory.store.memberships.keys() == {
        ("lobby", world.store_factory.store.rooms["lobby"].created_by)
    }


@covered.refusal("join")
def test_a_room_tokens_password_is_ignored_and_never_makes_a_member_elsewhere(
    sockets: Sockets, world: World
) -> None:
    create_room(world.deps, "b", PASSWORD)
    sockets.connect("s1", _member(world, "a"))
    _assert_refused(sockets.event("join", "s1", {"room": "b", "password": PASSWORD}), "forbidden")
    assert world.presence.count("b") == 0
    assert _join_ok(sockets.event("join", "s1", {"room": "a", "password": "not checked"}))


def test_a_user_token_of_a_revoked_sign_in_is_refused_at_connect(
    sockets: Sockets, world: World
) -> None:

    user = _signed_in(world)
    logout(world.deps, user.refresh_token)
    with pytest.raises(Refused) as caught:
        sockets.connect("s1", user.access_token)
    assert caught.value.body["code"] == "unauthorized"
    # Listed while its sign-in was checked, and no longer: nothing is left to drop.
    family = world.tokens.verify_user_token(user.access_token).family_id
    assert sockets.base.protocol.revoked(family) == []
    _assert_refused(sockets.event("join", "s1", {"room": "lobby"}), "unauthorized")


def test_logout_ends_the_sockets_of_that_sign_in_only(sockets: Sockets, world: World) -> None:

    create_room(world.deps, "lobby", PASSWORD)
    first, second = _signed_in(world), _signed_in(world)
    for sid, user in (("s1", first), ("s2", first), ("s3", second)):
        sockets.connect(sid, user.access_token)
        sockets.event("join", sid, {"room": "lobby", "password": PASSWORD})
    sockets.connect("guest", _member(world))
    sockets.emitted.clear()
    logout_route = next(r for r in ROUTES if r.endpoint == "logout")
    body = b'{"refresh_token": "%s"}' % first.refresh_token.encode()
    request = HttpRequest("POST", {}, {}, {"Content-Type": "application/json"}, body)

    status, _, _ = sockets.drive(sockets.base.view_steps(logout_route, request))

    assert status == 200
    assert sorted(sockets.disconnected) == ["s1", "s2"]
    # Both sign-ins are bob's: still there on s3, he has not left the room, so it is told
    # nothing; each ended socket is told why, first.
    assert world.presence.count("lobby") == 1
    assert sorted((e.event, e.to, e.data["reason"]) for e in sockets.emitted) == [
        ("session_ended", "s1", "logged_out"),
        ("session_ended", "s2", "logged_out"),
    ]
    assert sockets.event("message", "s3", {"room": "lobby", "message": "still here"})["ok"]
    _assert_refused(
        sockets.event("message", "s1", {"room": "lobby", "message": "x"}), "unauthorized"
    )


def test_a_replayed_refresh_token_is_refused_and_still_ends_its_sockets(
    sockets: Sockets, world: World
) -> None:

    user = _signed_in(world)
    refresh(world.deps, user.refresh_token)
    sockets.connect("s1", user.access_token)
    refresh_route = next(r for r in ROUTES if r.endpoint == "refresh")
    body = b'{"refresh_token": "%s"}' % user.refresh_token.encode()
    request = HttpRequest("POST", {}, {}, {"Content-Type": "application/json"}, body)

    status, encoded, _ = sockets.drive(sockets.base.view_steps(refresh_route, request))

    assert status == 401 and b"invalid_refresh_token" in encoded
    assert sockets.disconnected == ["s1"]


# -- message ------------------------------------------------------------------------------


@covered.success("message")
def test_message_is_batched_stored_encrypted_and_sent_to_the_room(
    sockets: Sockets, world: World
) -> None:
    _joined(sockets)

    ack = sockets.event("message", "s1", {"room": "lobby", "message": "hello"})

    assert ack["ok"] is True and ack["status"] == "success"
    assert sockets.batches == 1
    (stored,) = world.store_factory.store.messages["lobby"]
    assert stored.id == ack["message_id"]
    assert b"hello" not in stored.ciphertext
    assert world.cipher.decrypt(stored.ciphertext) == b"hello"
    assert _seen(sockets.emitted) == [("message", LOBBY, "hello")]
    assert sockets.emitted[0].data["id"] == stored.id


@covered.refusal("message")
def test_message_to_a_room_not_joined_is_refused_before_the_batch(
    sockets: Sockets, world: World
) -> None:
    sockets.connect("s1", _member(world))

    _assert_refused(
        sockets.event("message", "s1", {"room": "lobby", "message": "hi"}), "not_joined"
    )

    assert sockets.batches == 0
    assert world.store_factory.store.messages == {}
    assert sockets.emitted == []


@covered.refusal("message")
@pytest.mark.parametrize(
    ("data", "code"),
    [({"room": "lobby"}, "missing_field"), ({"room": "lobby", "message": ["hi"]}, "invalid_field")],
)
def test_message_refuses_bad_data(
    sockets: Sockets, world: World, data: dict[str, Any], code: str
) -> None:
    _joined(sockets)
    _assert_refused(sockets.event("message", "s1", data), code)
    assert sockets.batches == 0 and world.store_factory.store.messages == {}


@covered.refusal("message")
def test_message_refused_in_its_batch_acks_the_domain_error(sockets: Sockets, world: World) -> None:
    _joined(sockets)

    _assert_refused(
        sockets.event("message", "s1", {"room": "lobby", "message": " "}), "message_empty"
    )

    assert sockets.batches == 1
    assert world.store_factory.store.messages.get("lobby", []) == []
    assert sockets.emitted == []


@covered.success("message")
def test_message_with_its_own_user_id_is_sent_marked_guest_for_a_room_guest(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby", "alice")
    sockets.connect("s1", token)
    assert _join_ok(sockets.event("join", "s1", {"room": "lobby"}))
    (listed, status, *_) = sockets.emitted
    assert listed.data["users"] == [
        {"user_id": listed.data["users"][0]["user_id"], "username": "alice", "guest": True}
    ]
    assert (status.data["username"], status.data["guest"]) == ("alice", True)
    sockets.emitted.clear()
    me = world.tokens.verify_room_token(token).user_id

    ack = sockets.event("message", "s1", {"room": "lobby", "message": "me", "user_id": me})

    assert ack["ok"] is True
    (emit,) = sockets.emitted
    assert (emit.data["user_id"], emit.data["guest"]) == (me, True)
    assert world.store_factory.store.messages["lobby"][0].guest is True


@covered.refusal("message")
@pytest.mark.parametrize("claimed", ["u_someone_else", "", "G_" + "x"])
def test_message_with_another_user_id_is_identity_mismatch_and_stores_nothing(
    sockets: Sockets, world: World, claimed: str
) -> None:
    _joined(sockets)

    ack = sockets.event("message", "s1", {"room": "lobby", "message": "hi", "user_id": claimed})

    _assert_refused(ack, "identity_mismatch")
    assert world.store_factory.store.messages.get("lobby", []) == []
    assert sockets.emitted == []


@covered.refusal("message")
def test_message_after_the_token_expired_is_unauthorized(sockets: Sockets, world: World) -> None:
    _joined(sockets)
    world.clock.advance(seconds=world.deps.config.room_token_ttl_s)

    _assert_refused(
        sockets.event("message", "s1", {"room": "lobby", "message": "late"}), "unauthorized"
    )

    assert world.store_factory.store.messages.get("lobby", []) == []
    assert sockets.emitted == []


@covered.refusal("message")
def test_message_whose_batch_fails_acks_an_internal_error(world: World) -> None:
    broken = Sockets(
        dataclasses.replace(world, deps=dataclasses.replace(world.deps, cipher=BrokenCipher()))
    )
    _joined(broken)

    _assert_refused(
        broken.event("message", "s1", {"room": "lobby", "message": "hi"}), "internal_error"
    )

    assert world.store_factory.store.messages.get("lobby", []) == []
    assert broken.emitted == []


# -- leave --------------------------------------------------------------------------------


@covered.success("leave")
def test_leave_exits_the_room_and_tells_it(sockets: Sockets, world: World) -> None:
    _joined(sockets, "s1", "alice")
    _joined(sockets, "s2", "bob")
    assert world.presence.count("lobby") == 2

    assert sockets.event("leave", "s1", {"room": "lobby"}) == OK

    assert sockets.rooms["s1"] == set() and sockets.rooms["s2"] == {LOBBY}
    assert world.presence.count("lobby") == 1
    assert _seen(sockets.emitted) == _presence("leave", 1, "alice", ("bob",))
    assert not sockets.base.protocol.in_channel("s1", LOBBY)
    # Having left, it may not send there.
    _assert_refused(
        sockets.event("message", "s1", {"room": "lobby", "message": "hi"}), "not_joined"
    )


@covered.refusal("leave")
def test_leave_of_a_room_not_joined_is_refused(sockets: Sockets, world: World) -> None:
    _joined(sockets)
    _member(world, "other")

    _assert_refused(sockets.event("leave", "s1", {"room": "other"}), "not_joined")
    _assert_refused(sockets.event("leave", "s1", {}), "missing_field")

    assert sockets.rooms["s1"] == {LOBBY}
    assert world.presence.count("lobby") == 1
    assert sockets.emitted == []


# -- presence and typing -------------------------------------------------------------------


def test_a_second_tab_is_told_who_is_there_and_the_room_hears_nothing(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby", "alice")
    _joined(sockets, "s2", "bob")
    sockets.connect("s1", token)
    sockets.event("join", "s1", {"room": "lobby"})
    sockets.emitted.clear()

    sockets.connect("s1b", token)  # alice, second tab
    assert _join_ok(sockets.event("join", "s1b", {"room": "lobby"}))

    assert _seen(sockets.emitted) == [("presence", "s1b", (2, ("alice", "bob")))]
    assert world.presence.count("lobby") == 2
    sockets.emitted.clear()
    # Closing one of her tabs changes nothing for the room; the last one does.
    assert sockets.event("leave", "s1", {"room": "lobby"}) == OK
    assert sockets.emitted == []
    assert sockets.event("leave", "s1b", {"room": "lobby"}) == OK
    assert _seen(sockets.emitted) == _presence("leave", 1, "alice", ("bob",))


@covered.success("typing")
def test_typing_tells_the_room_of_changes_only(sockets: Sockets, world: World) -> None:
    _joined(sockets, "s1", "alice")
    _joined(sockets, "s2", "bob")
    sockets.emitted.clear()

    assert sockets.event("typing", "s1", {"room": "lobby", "is_typing": True}) == OK
    assert _seen(sockets.emitted) == [("typing_status", LOBBY, ("alice",))]
    sockets.emitted.clear()
    # Keeping it up (a client repeats it while keys are pressed) tells no one.
    assert sockets.event("typing", "s1", {"room": "lobby", "is_typing": True}) == OK
    assert sockets.emitted == []
    assert sockets.event("typing", "s2", {"room": "lobby", "is_typing": True}) == OK
    assert sockets.event("typing", "s1", {"room": "lobby", "is_typing": False}) == OK
    assert sockets.event("typing", "s1", {"room": "lobby", "is_typing": False}) == OK
    assert _seen(sockets.emitted) == [
        ("typing_status", LOBBY, ("alice", "bob")),
        ("typing_status", LOBBY, ("bob",)),
    ]
    sockets.emitted.clear()
    # Bob goes while typing: the room sees him stop typing, and leave (at the next flush).
    assert sockets.event("leave", "s2", {"room": "lobby"}) == OK
    assert _seen(sockets.emitted) == [
        ("typing_status", LOBBY, ()),
        *_presence("leave", 1, "bob", ("alice",)),
    ]


@covered.refusal("typing")
def test_typing_elsewhere_or_as_someone_else_is_refused(sockets: Sockets, world: World) -> None:
    _joined(sockets, "s1", "alice")
    _member(world, "other")
    sockets.emitted.clear()

    _assert_refused(
        sockets.event("typing", "s1", {"room": "other", "is_typing": True}), "not_joined"
    )
    _assert_refused(
        sockets.event("typing", "s1", {"room": "lobby", "is_typing": True, "user_id": "bob"}),
        "identity_mismatch",
    )
    _assert_refused(sockets.event("typing", "s1", {"room": "lobby"}), "missing_field")
    _assert_refused(
        sockets.event("typing", "s1", {"room": "lobby", "is_typing": "yes"}), "invalid_field"
    )

    assert sockets.emitted == []
    assert world.presence.typing("lobby", world.clock.now_ms()) == []


# -- reaction -------------------------------------------------------------------------------

THUMBS = "\U0001f44d"


def _sent(sockets: Sockets, sid: str = "s1", text: str = "hi") -> str:
    ack = sockets.event("message", sid, {"room": "lobby", "message": text})
    assert ack["ok"] is True, ack
    sockets.emitted.clear()
    return str(ack["message_id"])


def _reactions(world: World) -> set[tuple[str, str, str]]:
    """(message id, user id, reaction) of every reaction the store holds in the lobby."""
    held = world.store_factory.store.reactions.get("lobby", {})
    return {(message_id, *key) for message_id, rows in held.items() for key in rows}


@covered.success("reaction")
def test_reaction_toggles_and_tells_the_room(sockets: Sockets, world: World) -> None:
    _joined(sockets, "s1", "alice")
    message_id = _sent(sockets)
    me = sockets.base.protocol.connection("s1").claims.user_id  # type: ignore[union-attr]
    sockets.lanes.clear()

    on = sockets.event(
        "reaction", "s1", {"room": "lobby", "message_id": message_id, "reaction": THUMBS}
    )

    assert on == {**OK, "message_id": message_id, "on": True, "reactions": {THUMBS: [me]}}
    assert sockets.lanes == [Lane.WORKER]
    assert set(_reactions(world)) == {(message_id, me, THUMBS)}
    epoch = world.store_factory.store.rooms["lobby"].incarnation
    data = {"room": "lobby", "message_id": message_id, "reactions": {THUMBS: [me]}}
    data |= {"offset": 2, "epoch": epoch}  # the second change: the message was the first
    assert sockets.emitted == [Emit("reaction_update", data, LOBBY)]
    sockets.emitted.clear()

    off = sockets.event(
        "reaction",
        "s1",
        {"room": "lobby", "message_id": message_id, "reaction": THUMBS, "user_id": me},
    )

    assert (off["on"], off["reactions"]) == (False, {})
    assert _reactions(world) == set()
    off_data = {**data, "reactions": {}, "offset": 3}
    assert sockets.emitted == [Emit("reaction_update", off_data, LOBBY)]


@covered.refusal("reaction")
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reaction": "abc"}, "invalid_reaction"),
        ({"reaction": "<b>"}, "invalid_reaction"),
        ({"reaction": ""}, "invalid_reaction"),
        ({"reaction": THUMBS * 2}, "invalid_reaction"),
        ({"reaction": 7}, "invalid_field"),
        ({"user_id": "g_someone_else"}, "identity_mismatch"),
        ({"room": "other"}, "not_joined"),
        ({"message_id": "01900000-0000-7000-8000-000000000000"}, "message_not_found"),
        ({"message_id": "x"}, "invalid_message_id"),
        ({"extra": True}, "unexpected_field"),
    ],
)
def test_reaction_refusals_change_nothing(
    sockets: Sockets, world: World, change: dict[str, Any], code: str
) -> None:
    _joined(sockets)
    _member(world, "other")
    message_id = _sent(sockets)

    data = {"room": "lobby", "message_id": message_id, "reaction": THUMBS} | change
    _assert_refused(sockets.event("reaction", "s1", data), code)

    assert _reactions(world) == set() and sockets.emitted == []


@covered.refusal("reaction")
def test_reaction_on_a_message_of_another_joined_room_is_not_found(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby")
    sockets.connect("s1", token)
    sockets.event("join", "s1", {"room": "lobby"})
    message_id = _sent(sockets)
    sockets.connect("s2", _member(world, "other"))
    sockets.event("join", "s2", {"room": "other"})
    sockets.emitted.clear()

    data = {"room": "other", "message_id": message_id, "reaction": THUMBS}
    _assert_refused(sockets.event("reaction", "s2", data), "message_not_found")
    assert world.store_factory.store.reactions == {} and sockets.emitted == []


# -- edit -----------------------------------------------------------------------------------


@covered.success("edit")
def test_edit_by_its_sender_is_stored_encrypted_and_tells_the_room(
    sockets: Sockets, world: World
) -> None:
    _joined(sockets)
    message_id = _sent(sockets, text="helo")
    world.clock.advance(seconds=3)
    sockets.lanes.clear()

    ack = sockets.event(
        "edit", "s1", {"room": "lobby", "message_id": message_id, "message": "hello"}
    )

    stamp = iso_ms(world.clock.now_ms())
    assert ack == {**OK, "message_id": message_id, "edited_at": stamp}
    assert sockets.lanes == [Lane.WORKER]
    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"hello" and b"hello" not in row.ciphertext
    data = {"room": "lobby", "message_id": message_id, "message": "hello", "edited_at": stamp}
    data |= {"offset": 2, "epoch": world.store_factory.store.rooms["lobby"].incarnation}
    assert sockets.emitted == [Emit("message_edited", data, LOBBY)]


@covered.refusal("edit")
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"message": "   "}, "message_empty"),
        ({"message": ["x"]}, "invalid_field"),
        ({"user_id": "g_someone_else"}, "identity_mismatch"),
        ({"room": "other"}, "not_joined"),
        ({"message_id": "01900000-0000-7000-8000-000000000000"}, "message_not_found"),
        ({"message_id": "x"}, "invalid_message_id"),
    ],
)
def test_edit_refusals_change_nothing(
    sockets: Sockets, world: World, change: dict[str, Any], code: str
) -> None:
    _joined(sockets)
    _member(world, "other")
    message_id = _sent(sockets, text="kept")

    data = {"room": "lobby", "message_id": message_id, "message": "changed"} | change
    _assert_refused(sockets.event("edit", "s1", data), code)

    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"kept" and row.edited_at_ms is None
    assert sockets.emitted == []


@covered.refusal("edit")
def test_edit_of_someone_elses_message_or_after_the_window_is_refused(world: World) -> None:
    short = dataclasses.replace(world.deps, config=CoreConfig(edit_window_s=60))
    sockets = Sockets(dataclasses.replace(world, deps=short))
    _joined(sockets, "s1", "alice")
    _joined(sockets, "s2", "bob")
    message_id = _sent(sockets, "s1", "alice's")
    data = {"room": "lobby", "message_id": message_id, "message": "bob was here"}

    _assert_refused(sockets.event("edit", "s2", data), "not_sender")
    world.clock.advance(seconds=61)
    _assert_refused(sockets.event("edit", "s1", data), "edit_window_closed")

    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"alice's" and row.edited_at_ms is None
    assert sockets.emitted == []


# -- renew ----------------------------------------------------------------------------------


def _fresh_token(world: World, token: str) -> str:
    """A later token of the same guest identity (POST /chat/<room>/renew's use case)."""
    claims = world.tokens.verify_room_token(token)
    world.clock.advance(seconds=60)
    return renew_room_token(world.deps, claims, "lobby").value.token


@covered.success("renew")
def test_renew_swaps_the_claims_and_keeps_the_room_past_the_first_tokens_end(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby", "alice")
    sockets.connect("s1", token)
    assert _join_ok(sockets.event("join", "s1", {"room": "lobby"}))
    fresh = _fresh_token(world, token)
    sockets.emitted.clear()

    ack = sockets.event("renew", "s1", {"token": fresh})

    assert ack == {**OK, "expires_in": world.deps.config.room_token_ttl_s}
    assert sockets.emitted == []  # the room sees nothing: the same identity, still there
    world.clock.advance(seconds=world.deps.config.room_token_ttl_s - 30)  # past the first
    assert sockets.base.protocol.expired() == []
    sent = sockets.event("message", "s1", {"room": "lobby", "message": "still here"})
    assert sent["ok"] is True
    assert LOBBY in sockets.rooms["s1"]


@covered.refusal("renew")
def test_renew_with_another_identitys_token_or_garbage_changes_nothing(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby", "alice")
    sockets.connect("s1", token)
    sockets.event("join", "s1", {"room": "lobby"})
    before = sockets.base.protocol.connection("s1")
    assert before is not None
    claims, rooms = before.claims, dict(before.rooms)
    other = _member(world, "lobby", "bob")

    _assert_refused(sockets.event("renew", "s1", {"token": other}), "identity_mismatch")
    _assert_refused(sockets.event("renew", "s1", {"token": "not.a.token"}), "unauthorized")
    _assert_refused(sockets.event("renew", "s1", {"token": 7}), "invalid_field")
    _assert_refused(sockets.event("renew", "s1", {}), "missing_field")

    after = sockets.base.protocol.connection("s1")
    assert after is not None and (after.claims, after.rooms) == (claims, rooms)


@covered.refusal("renew")
def test_renew_is_refused_when_the_new_token_no_longer_grants_a_joined_room(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby", "alice")
    sockets.connect("s1", token)
    sockets.event("join", "s1", {"room": "lobby"})
    fresh = _fresh_token(world, token)
    user_id = world.tokens.verify_room_token(token).user_id
    store = world.store_factory.store
    key = ("lobby", user_id)
    store.memberships[key] = dataclasses.replace(store.memberships[key], standing=Standing.BANNED)

    _assert_refused(sockets.event("renew", "s1", {"token": fresh}), "banned")
    connection = sockets.base.protocol.connection("s1")
    assert connection is not None and connection.claims.expires_at < _claims_end(world, fresh)


def _claims_end(world: World, token: str) -> int:
    return world.tokens.verify_room_token(token).expires_at


def test_the_sweep_warns_a_socket_once_per_token_before_it_ends(
    sockets: Sockets, world: World
) -> None:
    token = _member(world, "lobby", "alice")
    sockets.connect("s1", token)
    ttl, warning = world.deps.config.room_token_ttl_s, Settings().token_warning_s
    protocol = sockets.base.protocol

    world.clock.advance(seconds=ttl - warning - 1)
    assert protocol.expiring(warning) == []
    world.clock.advance(seconds=1)
    assert protocol.expiring(warning) == [("s1", warning)]
    world.clock.advance(seconds=1)
    assert protocol.expiring(warning) == []  # told once
    fresh = renew_room_token(world.deps, world.tokens.verify_room_token(token), "lobby").value
    assert sockets.event("renew", "s1", {"token": fresh.token})["ok"] is True
    world.clock.advance(seconds=fresh.expires_in - warning)
    assert protocol.expiring(warning) == [("s1", warning)]  # the new token's own warning


# -- the table ------------------------------------------------------------------------------


def test_an_event_outside_the_table_is_refused(sockets: Sockets, world: World) -> None:
    sockets.connect("s1", _member(world))
    sockets.lanes.clear()
    _assert_refused(sockets.event("shout", "s1", {"room": "lobby"}), "invalid_event")
    assert sockets.lanes == []  # refused before anything runs


def test_each_event_runs_in_the_lane_the_table_names(sockets: Sockets) -> None:
    # (or in the password lane when it carries a password it may have to verify:
    # tests/unit/common/test_admission.py)
    for event in SOCKET_EVENTS:
        sockets.lanes.clear()
        sockets.event(event.name, "nobody", {"room": "lobby"})
        assert sockets.lanes == [event.lane], event.name
    # A send only parses and checks its cached claims before the batcher: never a thread hop.
    assert EVENTS_BY_NAME["message"].lane is Lane.INLINE


def test_every_socket_event_has_a_direct_test_of_its_success_and_of_a_refusal() -> None:
    assert [e.name for e in SOCKET_EVENTS] == list(EVENTS_BY_NAME), "event names must be unique"
    assert covered.gaps(EVENTS_BY_NAME) == []
