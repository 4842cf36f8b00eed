"""socket_wire.screen and PollingBacklog: what may reach python-socketio, and when a
long-polling client has left too much unfetched."""

from __future__ import annotations

import json

import pytest

from entrypoints.common.socket_wire import (
    Action,
    EngineIo,
    PollingBacklog,
    ack_packet,
    connect_steps,
    engineio_message_ok,
    message_steps,
    screen,
)
from entrypoints.common.steps import Io, Stepper, Steps

EVENTS = frozenset({"join", "message", "leave"})


@pytest.mark.parametrize(
    "packet",
    [
        '2["join",{"room":"a"}]',
        '27["message",{"room":"a","message":"hi"}]',
        '2/,3["leave",{}]',
        '2["join"]',
        '2["mes\\u0073age",{}]',  # an escaped name is read as JSON reads it
        "0",
        '0{"token":"t"}',
        '0"not-an-object"',  # refused by the connect handler, with a reason
        "1",
    ],
)
def test_well_formed_packets_of_known_events_pass(packet: str) -> None:
    assert screen(packet, EVENTS).action is Action.PASS


@pytest.mark.parametrize("name", ["connect", "disconnect", "connect_error", "newListener", "x"])
def test_reserved_and_unknown_event_names_are_refused_with_an_error_ack(name: str) -> None:
    verdict = screen(f"212{json.dumps([name, {'token': 't'}])}", EVENTS | {"connect"})
    assert verdict.action is Action.DROP
    assert verdict.reply is not None and verdict.reply.startswith("312[")
    [body] = json.loads(verdict.reply[3:])
    assert body == {
        "ok": False,
        "status": "error",
        "error": "there is no such event",
        "code": "invalid_event",
    }


def test_an_event_without_an_ack_id_is_dropped_silently() -> None:
    verdict = screen('2["disconnect"]', EVENTS)
    assert verdict.action is Action.DROP and verdict.reply is None


@pytest.mark.parametrize("packet", ["2[42,{}]", '2{"join":1}', "2", '27["join', "2[]"])
def test_malformed_events_are_refused(packet: str) -> None:
    assert screen(packet, EVENTS).action is Action.DROP


def test_a_malformed_event_with_an_ack_id_is_answered() -> None:
    verdict = screen("29[42]", EVENTS)
    assert verdict.reply is not None and verdict.reply.startswith("39[")


@pytest.mark.parametrize(
    "packet",
    [
        '51-["message",{"_placeholder":true,"num":0}]',
        '59999999999-["x"]',
        "61-[]",
        "4{}",  # CONNECT_ERROR is the server's to send
        "7",
        "",
        "x",
        "0{",  # CONNECT whose payload is not JSON
        '2123456789012345678["join",{}]',  # an absurd ack id
    ],
)
def test_packets_outside_the_protocol_close_the_connection(packet: str) -> None:
    assert screen(packet, EVENTS).action is Action.CLOSE


def test_binary_messages_close_the_connection() -> None:
    assert screen(b"\x04abc", EVENTS).action is Action.CLOSE


def test_acks_from_clients_are_dropped() -> None:
    assert screen('31["ok"]', EVENTS).action is Action.DROP


def test_events_of_other_namespaces_are_dropped() -> None:
    assert screen('2/admin,["join",{}]', EVENTS).action is Action.DROP


def test_ack_packets_name_their_namespace_only_when_not_the_default() -> None:
    assert ack_packet(5, None, {"a": 1}) == '35[{"a":1}]'
    assert ack_packet(5, "/", {"a": 1}) == '35[{"a":1}]'
    assert ack_packet(5, "/x", {"a": 1}) == '3/x,5[{"a":1}]'


@pytest.mark.parametrize(
    ("message", "ok"),
    [
        ("4hi", True),
        ("3", True),
        ("2probe", True),
        ("", False),
        ("0{}", False),
        ("9", False),
        ("bAAA", False),
        ("٣", False),
        (b"4", False),
    ],
)
def test_engineio_messages_are_text_of_a_client_packet_type(message: str | bytes, ok: bool) -> None:
    assert engineio_message_ok(message) is ok


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_polling_session_that_keeps_fetching_is_never_overdue() -> None:
    clock = Clock()
    backlog = PollingBacklog(timeout_s=10, max_bytes=1000, clock=clock)
    for _ in range(100):
        assert backlog.admit("s", 100, queue_empty=True)  # fetched since the last packet
        clock.now += 1
        assert backlog.overdue([("s", 1)]) == []


def test_a_session_that_stops_fetching_is_overdue_after_the_timeout() -> None:
    clock = Clock()
    backlog = PollingBacklog(timeout_s=10, max_bytes=10**6, clock=clock)
    assert backlog.admit("s", 10, queue_empty=True)
    clock.now += 5
    assert backlog.admit("s", 10, queue_empty=False)
    assert backlog.overdue([("s", 2)]) == []
    clock.now += 5.5
    assert backlog.overdue([("s", 2)]) == ["s"]


def test_a_session_over_its_bytes_is_refused_and_named_at_once() -> None:
    clock = Clock()
    backlog = PollingBacklog(timeout_s=10, max_bytes=1000, clock=clock)
    assert backlog.admit("s", 600, queue_empty=True)
    assert not backlog.admit("s", 600, queue_empty=False)
    assert not backlog.admit("s", 1, queue_empty=True)  # dropped until it is ended
    assert backlog.overdue([("s", 1)]) == ["s"]


def test_sessions_gone_or_emptied_are_forgotten() -> None:
    clock = Clock()
    backlog = PollingBacklog(timeout_s=1, max_bytes=1000, clock=clock)
    backlog.admit("gone", 10, queue_empty=True)
    backlog.admit("emptied", 10, queue_empty=True)
    assert backlog.overdue([("emptied", 0)]) == []
    clock.now += 5
    assert backlog.overdue([("gone", 1), ("emptied", 1)]) == []


# -- the screen's steps, as both runtimes perform them -------------------------------------


class _Engine:
    """engine.io's functions, recorded; `dispatch` fails on a packet marked 'bad'."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.io = EngineIo(
            send=lambda *a: self.calls.append(("send", a)),
            end=lambda *a: self.calls.append(("end", a)),
            dispatch=self._dispatch,
            connect=lambda *a: self.calls.append(("connect", a)) or True,
        )

    def _dispatch(self, *args: object) -> None:
        self.calls.append(("dispatch", args))
        if "bad" in str(args[1]):
            raise ValueError("python-socketio could not decode it")

    def drive(self, steps: Steps[object]) -> object:
        stepper = Stepper(steps)
        while (effect := stepper.next()) is not None:
            assert isinstance(effect, Io)
            try:
                stepper.value = effect.fn(*effect.args)
            except Exception as error:
                stepper.error = error
        return stepper.result


def test_a_screened_packet_is_dispatched() -> None:
    engine = _Engine()
    engine.drive(message_steps(engine.io, EVENTS, "e1", '2["join",{"room":"a"}]'))
    assert engine.calls == [("dispatch", ("e1", '2["join",{"room":"a"}]'))]


def test_a_refused_event_is_answered_and_never_dispatched() -> None:
    engine = _Engine()
    engine.drive(message_steps(engine.io, EVENTS, "e1", '21["disconnect"]'))
    assert [name for name, _ in engine.calls] == ["send"]
    assert json.loads(engine.calls[0][1][1][2:])[0]["code"] == "invalid_event"


def test_a_packet_with_attachments_ends_the_session() -> None:
    engine = _Engine()
    engine.drive(message_steps(engine.io, EVENTS, "e1", '51-["message",{}]'))
    assert engine.calls == [("end", ("e1",))]


def test_a_packet_python_socketio_cannot_decode_ends_the_session() -> None:
    engine = _Engine()
    engine.drive(message_steps(engine.io, EVENTS, "e1", '2["join","bad"]'))
    assert [name for name, _ in engine.calls] == ["dispatch", "end"]


class _Sock:
    upgraded = closed = False


def test_only_a_polling_handshake_is_watched() -> None:
    engine, watched = _Engine(), []
    sockets = {"e1": _Sock(), "e2": _Sock()}
    polling = {"QUERY_STRING": "EIO=4&transport=polling"}
    websocket = {"QUERY_STRING": "EIO=4&transport=websocket"}
    assert engine.drive(connect_steps(engine.io, sockets, watched.append, "e1", polling)) is True
    assert engine.drive(connect_steps(engine.io, sockets, watched.append, "e2", websocket))
    assert engine.drive(connect_steps(engine.io, sockets, watched.append, "gone", polling))
    assert watched == [sockets["e1"]]
    assert [name for name, _ in engine.calls] == ["connect"] * 3
