"""Every input has a schema: a wrong-typed, missing or unexpected field is refused with a
stable code and a message naming the field, on REST and sockets alike."""

from __future__ import annotations

from typing import Any

import pytest

from domain.usecases.create_room import create_room
from entrypoints.common.errors import RequestError, TransportCode
from entrypoints.common.http_api import answer
from entrypoints.common.http_types import HttpRequest, HttpResponse
from entrypoints.common.payloads import decode, decode_query
from entrypoints.common.routes import ROUTES
from entrypoints.common.schemas import NoQuery
from entrypoints.common.schemas_rooms import (
    CreateRoom,
    MessagePayload,
    MessagesQuery,
    RoomPayload,
    VerifyRoom,
)
from entrypoints.common.socket_api import SOCKET_EVENTS, call_event
from entrypoints.common.socket_connections import SocketProtocol, SocketResult
from tests.support import World

PASSWORD = "correct horse battery"  # noqa: S105 - test data
ROUTE = {route.endpoint: route for route in ROUTES}


def _refused(schema: Any, data: dict[str, Any]) -> RequestError:
    with pytest.raises(RequestError) as caught:
        decode(schema, data)
    return caught.value


def test_a_valid_input_is_decoded() -> None:
    assert decode(CreateRoom, {"room_id": "r", "password": "p"}) == CreateRoom("r", "p")
    assert decode(VerifyRoom, {"password": "p"}).username is None
    assert decode(VerifyRoom, {"password": "p", "username": None}).username is None
    assert decode(VerifyRoom, {"password": "p", "username": "ann"}).username == "ann"


@pytest.mark.parametrize(
    ("schema", "data", "code", "named"),
    [
        (CreateRoom, {"room_id": "r"}, TransportCode.MISSING_FIELD, "password"),
        (CreateRoom, {"room_id": 5, "password": "p"}, TransportCode.INVALID_FIELD, "room_id"),
        (VerifyRoom, {"password": "p", "username": 7}, TransportCode.INVALID_FIELD, "username"),
        (VerifyRoom, {"password": ["p"]}, TransportCode.INVALID_FIELD, "password"),
        (VerifyRoom, {"password": None}, TransportCode.INVALID_FIELD, "password"),
        (VerifyRoom, {"password": True}, TransportCode.INVALID_FIELD, "password"),
        (RoomPayload, {"room": "r", "password": 123}, TransportCode.UNEXPECTED_FIELD, "password"),
        (MessagePayload, {"room": "r"}, TransportCode.MISSING_FIELD, "message"),
        (MessagePayload, {"room": {}, "message": "x"}, TransportCode.INVALID_FIELD, "room"),
    ],
)
def test_a_wrong_input_is_refused_naming_the_field(
    schema: Any, data: dict[str, Any], code: TransportCode, named: str
) -> None:
    error = _refused(schema, data)
    assert error.code is code
    assert f"'{named}'" in error.message


@pytest.mark.parametrize("value", [None, 5, 1.5, True, ["a"], {"a": "b"}])
def test_a_required_string_of_another_type_is_refused(value: object) -> None:
    assert _refused(CreateRoom, {"room_id": value, "password": "p"}).code is (
        TransportCode.INVALID_FIELD
    )


@pytest.mark.parametrize("value", [5, ["a"], False])
def test_an_optional_string_of_another_type_is_refused(value: object) -> None:
    assert _refused(VerifyRoom, {"password": "p", "username": value}).code is (
        TransportCode.INVALID_FIELD
    )


def test_a_mistyped_field_says_what_it_must_be() -> None:
    assert _refused(CreateRoom, {"room_id": 1, "password": "p"}).message == (
        "'room_id' must be a string"
    )


def test_an_invented_field_name_is_echoed_short() -> None:
    error = _refused(RoomPayload, {"room": "r", "x" * 10_000: 1})
    assert error.code is TransportCode.UNEXPECTED_FIELD
    assert len(error.message) < 120


def test_queries_take_digits_for_integers_and_no_unknown_parameter() -> None:
    assert decode_query(MessagesQuery, {}) == MessagesQuery()
    assert decode_query(MessagesQuery, {"limit": "7", "before": ""}).limit == 7
    for query in ({"limit": "-1"}, {"limit": "1.5"}, {"limit": "x"}, {"page": "1"}):
        with pytest.raises(RequestError) as caught:
            decode_query(MessagesQuery, query)
        assert caught.value.code is TransportCode.INVALID_QUERY, query
    with pytest.raises(RequestError):
        decode_query(NoQuery, {"a": "b"})


def test_every_route_and_event_names_its_schemas() -> None:
    for route in ROUTES:
        assert route.query is not None
        with_body = route.method in ("POST", "PATCH", "PUT")
        assert (route.body is not None) == with_body, route.endpoint
        assert not route.body_optional or with_body, route.endpoint
    for event in SOCKET_EVENTS:
        assert event.schema is not None


def _request(body: bytes, query: dict[str, str] | None = None) -> HttpRequest:
    headers = {"Content-Type": "application/json"}
    return HttpRequest("POST", {}, query or {}, headers, body)


def test_a_route_refuses_an_unexpected_field_before_its_view(world: World) -> None:
    body = b'{"room_id": "lobby", "password": "correct horse", "admin": true}'
    response = answer(world.deps, ROUTE["create_room"], _request(body))
    assert isinstance(response, HttpResponse)
    assert response.status == 400
    assert response.body == {
        "error": "'admin' is not a field of this input",
        "code": "unexpected_field",
    }
    # Nothing was created: the same id is still free.
    body = b'{"room_id": "lobby", "password": "correct horse"}'
    ok = answer(world.deps, ROUTE["create_room"], _request(body))
    assert isinstance(ok, HttpResponse) and ok.status == 201


def test_a_route_refuses_an_unknown_query_parameter(world: World) -> None:
    body = b'{"room_id": "lobby", "password": "correct horse"}'
    response = answer(world.deps, ROUTE["create_room"], _request(body, {"x": "1"}))
    assert isinstance(response, HttpResponse)
    assert response.status == 400 and response.body["code"] == "invalid_query"


def test_join_with_a_spoofed_or_mistyped_field_is_refused_with_an_error_ack(
    world: World,
) -> None:
    token = create_room(world.deps, "lobby", PASSWORD).value.admin_token
    protocol = SocketProtocol(world.deps)
    protocol.connect("s1", {"token": token})
    refused = call_event(protocol, "join", "s1", {"room": "lobby", "user_id": "g_someone_else"})
    assert isinstance(refused, SocketResult)
    assert refused.ack == {
        "ok": False,
        "status": "error",
        "error": "'user_id' is not a field of this input",
        "code": "unexpected_field",
    }
    assert refused.enter is None
    mistyped = call_event(protocol, "join", "s1", {"room": "lobby", "password": 123})
    assert isinstance(mistyped, SocketResult) and mistyped.ack["code"] == "invalid_field"
    joined = call_event(protocol, "join", "s1", {"room": "lobby"})
    assert isinstance(joined, SocketResult) and joined.ack["ok"] is True
    sent = call_event(protocol, "message", "s1", {"room": "lobby", "message": 5})
    assert isinstance(sent, SocketResult) and sent.ack["code"] == "invalid_field"
