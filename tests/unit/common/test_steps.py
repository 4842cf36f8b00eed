"""ServerBase's handlers, written once as steps, driven here without a server: what each one
asks a runtime to do, in what order, and what it makes of a step that fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from adapters.limits.memory import MemoryRateLimiter
from domain.model.events import MemberRemoved, RoomDeleted, RoomTokensRevoked
from domain.model.members import Standing
from domain.model.sessions import EndReason
from domain.usecases.create_room import create_room
from domain.usecases.verify_room import verify_room_password
from entrypoints.common.bootstrap import Core
from entrypoints.common.connection_caps import PendingHandshakes
from entrypoints.common.http_types import HttpRequest, HttpResponse
from entrypoints.common.lanes import Lane
from entrypoints.common.limits import DEFAULT_RATE_LIMITS
from entrypoints.common.routes import ROUTES
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.socket_connections import EXPIRY_SWEEP_S
from entrypoints.common.socket_events import Emit, channel
from entrypoints.common.socket_wire import PollingBacklog
from entrypoints.common.steps import (
    Call,
    Disconnect,
    Effect,
    EndSession,
    Enter,
    Leave,
    Sleep,
    StartSweep,
    Stepper,
    Steps,
    Submit,
    drive,
)
from tests.support import World

T = TypeVar("T")
PASSWORD = "correct horse battery"  # noqa: S105 - test data


@dataclass
class Driver:
    """A runtime in miniature: performs each step (calls inline, sends through
    `send_batch` one at a time) and records what it was asked to do."""

    base: ServerBase
    done: list[Effect] = field(default_factory=list)
    failing: Callable[[Effect], Exception | None] = lambda _effect: None
    stop_after_sleeps: int = 1_000

    def drive(self, steps: Steps[T]) -> T:
        return drive(steps, self.perform)

    def perform(self, effect: Effect) -> Any:
        self.done.append(effect)
        if (error := self.failing(effect)) is not None:
            raise error
        if isinstance(effect, Call):
            return effect.fn(*effect.args)
        if isinstance(effect, Submit):
            return self.base.send_batch([effect.command])[0]
        if isinstance(effect, Sleep):
            self.stop_after_sleeps -= 1
            if self.stop_after_sleeps < 0:
                raise _Stop
        return None

    def kinds(self) -> list[str]:
        return [type(effect).__name__ for effect in self.done]


class _Stop(BaseException):
    """Ends an endless sweep in a test (a BaseException: the sweep lets it through)."""


def _base(world: World) -> ServerBase:
    return ServerBase(Settings(), Core(Settings(), world.deps))


def _connected(world: World, sid: str = "s1") -> tuple[ServerBase, Driver]:
    token = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    base = _base(world)
    driver = Driver(base)
    driver.drive(base.connect_steps(sid, {"token": token}))
    return base, driver


# -- the stepper ---------------------------------------------------------------------------


def _echo() -> Steps[list[Any]]:
    seen = []
    seen.append((yield Sleep(1)))
    try:
        yield Disconnect("x")
    except KeyError as error:
        seen.append(f"caught {error}")
    return seen


def test_the_stepper_sends_results_in_and_raises_failures_at_their_yield() -> None:
    stepper = Stepper(_echo())
    assert stepper.next() == Sleep(1)
    stepper.value = "slept"
    assert stepper.next() == Disconnect("x")
    stepper.error = KeyError("gone")
    assert stepper.next() is None
    assert stepper.result == ["slept", "caught 'gone'"]


def test_a_failure_the_steps_do_not_handle_propagates() -> None:
    stepper = Stepper(_echo())
    stepper.next()
    stepper.error = ValueError("boom")
    with pytest.raises(ValueError, match="boom"):
        stepper.next()


# -- Socket.IO -----------------------------------------------------------------------------


def test_the_first_connect_starts_the_sweep_and_no_later_one(world: World) -> None:
    base, driver = _connected(world)
    assert driver.kinds() == ["StartSweep", "Call"]
    token = create_room(world.deps, "other", PASSWORD).value.admin_token
    driver.done.clear()
    driver.drive(base.connect_steps("s2", {"token": token}))
    assert driver.kinds() == ["Call"]
    assert driver.done[0].lane is Lane.WORKER  # type: ignore[union-attr]  # a Call


def test_a_join_enters_the_room_before_its_emits(world: World) -> None:
    base, driver = _connected(world)
    driver.done.clear()
    ack = driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    assert ack["ok"] is True
    # The last call reads the room's change stream, once entered: nothing falls between.
    assert driver.kinds() == ["Call", "Enter", "Emit", "Call"]
    assert driver.done[1] == Enter("s1", channel("lobby"))
    assert (ack["offset"], ack["epoch"]) == (
        0,
        world.store_factory.store.rooms["lobby"].incarnation,
    )
    # The list to the joining connection alone; the room hears of it at the next sweep.
    assert (driver.done[2].event, driver.done[2].to) == ("presence", "s1")  # type: ignore[union-attr]
    emits = base.fanout.flush()
    assert [(e.event, e.to) for e in emits] == [
        ("status", channel("lobby")),
        ("online_count", channel("lobby")),
        ("presence_update", channel("lobby")),
    ]


def test_a_join_that_lost_the_race_to_its_disconnect_enters_nothing(world: World) -> None:
    base, _ = _connected(world)

    class DisconnectedMeanwhile(Driver):
        def perform(self, effect: Effect) -> Any:
            result = super().perform(effect)
            if isinstance(effect, Call):  # the join has run; now the disconnect does
                base.protocol.disconnect("s1")
            return result

    driver = DisconnectedMeanwhile(base)
    ack = driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    assert ack["ok"] is True  # the join itself succeeded...
    assert not any(isinstance(e, Enter) for e in driver.done)  # ...but nothing entered


def test_a_message_goes_through_the_batcher_then_emits_after_the_commit(world: World) -> None:
    base, driver = _connected(world)
    driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    driver.done.clear()
    ack = driver.drive(base.event_steps("message", "s1", ({"room": "lobby", "message": "hi"},)))
    assert ack["ok"] is True and ack["message_id"]
    assert driver.kinds() == ["Call", "Submit", "Emit"]
    assert driver.done[0].lane is Lane.INLINE  # type: ignore[union-attr]  # a Call
    emit = driver.done[2]
    assert isinstance(emit, Emit) and emit.event == "message" and emit.to == channel("lobby")
    assert emit.data["id"] == ack["message_id"]


def test_a_leave_leaves_the_room(world: World) -> None:
    base, driver = _connected(world)
    driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    driver.done.clear()
    assert driver.drive(base.event_steps("leave", "s1", ({"room": "lobby"},)))["ok"] is True
    assert driver.done[1] == Leave("s1", channel("lobby"))


def test_an_event_outside_the_table_asks_for_nothing(world: World) -> None:
    base, driver = _connected(world)
    driver.done.clear()
    ack = driver.drive(base.event_steps("disconnect", "s1", ({},)))
    assert ack["code"] == "invalid_event" and driver.done == []


def test_a_disconnect_emits_the_departure(world: World) -> None:
    base, driver = _connected(world)
    driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    driver.done.clear()
    base.fanout.flush()  # the arrival, told by an earlier sweep
    driver.drive(base.disconnect_steps("s1"))
    assert driver.kinds() == ["Call"]  # the departure waits for the next sweep
    status, count, update = base.fanout.flush()
    assert (status.event, status.data["event"], count.data["count"]) == ("status", "leave", 0)
    assert (update.event, update.data["joined"], update.data["count"]) == ("presence_update", [], 0)
    assert [u["user_id"] for u in update.data["left"]] == [status.data["user_id"]]


# -- what committed events do to live sockets ------------------------------------------------


def _joined_guest(world: World, base: ServerBase, driver: Driver, sid: str) -> str:
    """A guest of the lobby, connected as `sid` and in the room: its room token."""
    token = verify_room_password(world.deps, "lobby", PASSWORD, None).value.token
    driver.drive(base.connect_steps(sid, {"token": token}))
    driver.drive(base.event_steps("join", sid, ({"room": "lobby"},)))
    return token


def test_a_deleted_room_is_announced_then_left_by_its_sockets(world: World) -> None:
    base, driver = _connected(world)  # s1: the admin, not in the room
    _joined_guest(world, base, driver, "s2")
    room = world.store_factory.store.rooms["lobby"]
    driver.done.clear()

    driver.drive(base.reply_steps(HttpResponse(200, {}, [RoomDeleted("lobby", room.incarnation)])))

    told = {"room": "lobby", "reason": "room_deleted"}
    assert driver.done[0] == Emit("room_deleted", told, channel("lobby"))
    assert isinstance(driver.done[1], Call) and driver.done[1].lane is Lane.WORKER
    assert driver.done[2:] == [Leave("s2", channel("lobby"))]
    assert not base.protocol.in_channel("s2", channel("lobby"))
    assert world.presence.count("lobby") == 0


def test_a_kicked_identitys_sockets_are_told_and_leave_and_the_room_sees_it(
    world: World,
) -> None:
    base, driver = _connected(world)
    driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))  # the admin stays
    guest = _joined_guest(world, base, driver, "s2")
    user_id = world.tokens.verify_room_token(guest).user_id
    base.fanout.flush()  # the arrivals, told by an earlier sweep
    driver.done.clear()

    kicked = MemberRemoved("lobby", user_id, Standing.KICKED)
    driver.drive(base.reply_steps(HttpResponse(200, {}, [kicked])))

    assert isinstance(driver.done[0], Call) and driver.done[0].lane is Lane.WORKER
    assert driver.done[1:3] == [
        Emit("kicked", {"room": "lobby", "reason": "kicked"}, "s2"),
        Leave("s2", channel("lobby")),
    ]
    departure, count, _ = base.fanout.flush()  # the room sees it at the next sweep
    assert departure.data["event"] == "leave" and departure.data["user_id"] == user_id
    assert count == Emit("online_count", {"room": "lobby", "count": 1}, channel("lobby"))
    assert base.protocol.in_channel("s1", channel("lobby"))
    assert not base.protocol.in_channel("s2", channel("lobby"))


def test_revoked_room_tokens_end_their_sockets_and_no_others(world: World) -> None:
    base, driver = _connected(world)  # s1: the admin token
    _joined_guest(world, base, driver, "s2")
    room = world.store_factory.store.rooms["lobby"]
    driver.done.clear()

    new_password = RoomTokensRevoked(
        "lobby", room.incarnation, room.password_version + 1, room.admin_version
    )
    driver.drive(base.reply_steps(HttpResponse(200, {}, [new_password])))

    assert driver.done[:2] == [  # the guest's, told first; the admin's stays
        Emit("session_ended", {"reason": "room_password_changed"}, "s2"),
        Disconnect("s2"),
    ]
    assert base.protocol.stale(new_password) == []
    driver.done.clear()
    rotated = RoomTokensRevoked(
        "lobby",
        room.incarnation,
        room.password_version + 1,
        room.admin_version + 1,
        EndReason.ADMIN_TOKEN_ROTATED,
    )
    driver.drive(base.reply_steps(HttpResponse(200, {}, [rotated])))
    assert driver.done[:2] == [
        Emit("session_ended", {"reason": "admin_token_rotated"}, "s1"),
        Disconnect("s1"),
    ]
    # Of another incarnation (the room re-created meanwhile): nothing to end.
    assert base.protocol.stale(RoomTokensRevoked("lobby", "another", 9, 9)) == []


# -- the sweep -----------------------------------------------------------------------------


def test_the_sweep_ends_an_expired_connection_even_when_its_disconnect_fails(
    world: World,
) -> None:
    base, driver = _connected(world)
    driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    base.fanout.flush()  # the arrival, told by an earlier sweep
    world.clock.advance(seconds=world.deps.config.admin_token_ttl_s + 1)
    driver.done.clear()
    driver.failing = lambda e: RuntimeError("gone") if isinstance(e, Disconnect) else None
    driver.stop_after_sleeps = 2  # two rounds
    with pytest.raises(_Stop):
        driver.drive(base.sweep_steps({}))
    assert driver.done[0] == Sleep(EXPIRY_SWEEP_S)
    assert driver.done[1:3] == [
        Emit("session_ended", {"reason": "token_expired"}, "s1"),  # told first: never silently
        Disconnect("s1"),
    ]
    # The failed disconnect did not stop the access from ending, nor the sweep; each round
    # ends publishing the metrics (in a worker).
    assert driver.kinds()[3:] == ["Call", "Emit", "Emit", "Emit", "Call", "Sleep", "Call", "Sleep"]
    assert driver.done[-2] == Call(Lane.WORKER, base.flush_metrics, ())
    assert base.protocol.expired() == []


@dataclass
class _Queue:
    size: int

    def qsize(self) -> int:
        return self.size

    def empty(self) -> bool:
        return self.size == 0


@dataclass
class _PollingSocket:
    sid: str
    queue: _Queue
    upgraded: bool = False
    closed: bool = False


def test_the_sweep_ends_a_polling_session_that_stopped_fetching(world: World) -> None:
    base = _base(world)
    now = [0.0]
    base.backlog = PollingBacklog(10, 1 << 20, lambda: now[0])
    stalled = _PollingSocket("e1", _Queue(3))
    fetching = _PollingSocket("e2", _Queue(0))
    assert base.backlog.admit("e1", 100, True)
    assert base.backlog.admit("e2", 100, True)
    now[0] = 11.0
    driver = Driver(base, stop_after_sleeps=1)
    with pytest.raises(_Stop):
        driver.drive(base.sweep_steps({"e1": stalled, "e2": fetching}))
    flush = Call(Lane.WORKER, base.flush_metrics, ())
    assert driver.done == [Sleep(EXPIRY_SWEEP_S), EndSession("e1"), flush, Sleep(EXPIRY_SWEEP_S)]


def test_the_sweep_tells_a_room_when_typing_runs_out(world: World) -> None:
    base, driver = _connected(world)
    driver.drive(base.event_steps("join", "s1", ({"room": "lobby"},)))
    driver.drive(base.event_steps("typing", "s1", ({"room": "lobby", "is_typing": True},)))
    base.fanout.flush()  # the arrival, told by an earlier sweep
    driver.done.clear()
    driver.stop_after_sleeps = 2
    with pytest.raises(_Stop):
        driver.drive(base.sweep_steps({}))
    # Still typing: nothing told (each round only publishes the metrics).
    assert driver.kinds() == ["Sleep", "Call", "Sleep", "Call", "Sleep"]
    world.clock.advance(seconds=world.deps.config.typing_s)
    driver.done.clear()
    driver.stop_after_sleeps = 2
    with pytest.raises(_Stop):
        driver.drive(base.sweep_steps({}))
    [emit] = [e for e in driver.done if isinstance(e, Emit)]
    assert (emit.event, emit.to, emit.data) == (
        "typing_status",
        channel("lobby"),
        {"room": "lobby", "typing_users": []},
    )


def test_one_failed_round_does_not_stop_the_sweep(world: World) -> None:
    base = _base(world)
    driver = Driver(base, stop_after_sleeps=2)
    driver.failing = lambda e: RuntimeError("x") if isinstance(e, EndSession) else None

    class Exploding(dict[str, Any]):
        def items(self) -> Any:
            raise RuntimeError("engine.io changed under us")

    with pytest.raises(_Stop):
        driver.drive(base.sweep_steps(Exploding()))
    assert driver.kinds() == ["Sleep", "Sleep", "Sleep"]


# -- HTTP ----------------------------------------------------------------------------------


def _route(endpoint: str) -> Any:
    return next(route for route in ROUTES if route.endpoint == endpoint)


def test_a_body_carrying_the_admin_password_runs_in_the_password_lane_and_is_counted(
    world: World,
) -> None:
    limiter = MemoryRateLimiter(dict(DEFAULT_RATE_LIMITS))
    base = ServerBase(Settings(), Core(Settings(), world.deps, limiter=limiter))
    driver = Driver(base)
    create_room(world.deps, "lobby", PASSWORD)
    route = next(r for r in ROUTES if r.endpoint == "clear_history")
    headers = {"Content-Type": "application/json"}

    def attempt(body: bytes) -> int:
        request = HttpRequest("POST", {"room_id": "lobby"}, {}, headers, body, peer="192.0.2.1")
        driver.done.clear()
        status, _, _ = driver.drive(base.view_steps(route, request))
        return status

    assert attempt(b'{"admin_password": "a guess, wrong"}') == 401
    assert isinstance(driver.done[0], Call) and driver.done[0].lane is Lane.PASSWORD
    assert attempt(b"{}") == 401  # no token, no password: a worker's, and not counted
    assert isinstance(driver.done[0], Call) and driver.done[0].lane is Lane.WORKER
    # The password limits: per (room, address) 10 a minute by default; the 11th is refused
    # before anything runs, even with nothing hashed.
    statuses = [attempt(b'{"admin_password": "a guess, wrong"}') for _ in range(10)]
    assert statuses[-1] == 429 and statuses.count(401) == 9
    assert driver.done == [Sleep(1.0)]  # refused before any call, after the tarpit's wait


def test_a_route_runs_in_its_lane_and_answers_status_body_and_headers(world: World) -> None:
    base = _base(world)
    driver = Driver(base)
    body = b'{"room_id": "lobby", "password": "correct horse battery"}'
    request = HttpRequest("POST", {}, {}, {"Content-Type": "application/json"}, body)
    status, raw, headers = driver.drive(base.view_steps(_route("create_room"), request))
    assert status == 201 and b"admin_token" in raw
    assert headers["Content-Type"].startswith("application/json")
    assert driver.done[0].lane is Lane.PASSWORD  # type: ignore[union-attr]  # a Call


def test_a_posted_message_goes_through_the_batcher_and_is_emitted(world: World) -> None:
    token = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    base = _base(world)
    driver = Driver(base)
    request = HttpRequest(
        "POST",
        {"room_id": "lobby"},
        {},
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        b'{"message": "hello"}',
    )
    status, _, _ = driver.drive(base.view_steps(_route("post_message"), request))
    assert status == 201
    assert driver.kinds() == ["Call", "Submit", "Emit"]


def test_a_framework_error_is_rendered_in_our_shape(world: World) -> None:
    base = _base(world)
    status, raw, _ = Driver(base).drive(base.reply_steps(base.http_error(405)))
    assert status == 405 and b'"code"' in raw


def test_every_effect_kind_is_one_a_shell_performs() -> None:
    import inspect

    from entrypoints.flask import shell as flask_shell
    from entrypoints.quart import shell as quart_shell

    kinds = {"Call", "Submit", "Emit", "Enter", "Leave", "Sleep", "Disconnect", "EndSession"}
    kinds.add(StartSweep.__name__)
    for module in (flask_shell, quart_shell):
        source = inspect.getsource(module)
        for kind in kinds:
            # The shells match the step types through the module (`case st.Emit(...)`).
            assert f"case st.{kind}(" in source, (module.__name__, kind)


def test_drive_async_awaits_each_step_and_raises_failures_at_their_yield() -> None:
    import asyncio

    from entrypoints.common.steps import drive_async

    async def perform(effect: Effect) -> Any:
        await asyncio.sleep(0)
        if isinstance(effect, Disconnect):
            raise KeyError("gone")
        return "slept"

    assert asyncio.run(drive_async(_echo(), perform)) == ["slept", "caught 'gone'"]


def test_the_sweep_ends_a_session_that_never_made_a_socketio_connection(world: World) -> None:
    base = _base(world)
    now = [0.0]
    base.handshakes = PendingHandshakes(10, lambda: now[0])
    sessions = {
        "idle": _PollingSocket("idle", _Queue(0), upgraded=True),
        "joined": _PollingSocket("joined", _Queue(0), upgraded=True),
    }
    for at, ended in ((0.0, []), (9.0, []), (10.0, [EndSession("idle")])):
        now[0] = at
        driver = Driver(base, stop_after_sleeps=1)
        with pytest.raises(_Stop):
            driver.drive(base.sweep_steps(sessions, lambda eio_sid: eio_sid == "joined"))
        flush = Call(Lane.WORKER, base.flush_metrics, ())
        assert driver.done == [Sleep(EXPIRY_SWEEP_S), *ended, flush, Sleep(EXPIRY_SWEEP_S)]
