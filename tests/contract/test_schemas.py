"""Every input has a schema, on both runtimes: an unexpected or wrong-typed field is a 400
(REST) or an error ack (sockets) in the one error shape, and nothing happens."""

from __future__ import annotations

from tests.contract.client import Api, assert_error, new_room_id

PASSWORD = "long enough pw"  # noqa: S105 - test data


def test_rest_refuses_a_field_it_does_not_name(api: Api) -> None:
    room_id = new_room_id()
    body = {"room_id": room_id, "password": PASSWORD, "is_admin": True}
    error = assert_error(api.http.post("/room/create", json=body), 400, "unexpected_field")
    assert "is_admin" in error["error"]
    # Nothing was created: the id is still free.
    created = api.http.post("/room/create", json={"room_id": room_id, "password": PASSWORD})
    assert created.status_code == 201, created.text
    verify = api.http.post(f"/chat/{room_id}/verify", json={"password": PASSWORD, "role": "x"})
    assert_error(verify, 400, "unexpected_field")


def test_rest_refuses_a_mistyped_field_naming_it(api: Api) -> None:
    room = api.create_room()
    response = api.http.post(f"/chat/{room.room_id}/verify", json={"password": 123})
    error = assert_error(response, 400, "invalid_field")
    assert "'password'" in error["error"]


def test_rest_refuses_an_unknown_query_parameter(api: Api) -> None:
    room = api.create_room()
    token = api.token(room)
    assert_error(api.messages(room.room_id, token, limit=5, page=2), 400, "invalid_query")
    assert api.messages(room.room_id, token, limit=5, before="").status_code == 200


def test_join_with_a_spoofed_or_mistyped_field_gets_an_error_ack(api: Api) -> None:
    room = api.create_room()
    client = api.socket(api.token(room))
    try:
        ack = client.call("join", {"room": room.room_id, "user_id": "g_someone"}, timeout=5)
        assert ack["ok"] is False and ack["code"] == "unexpected_field", ack
        assert set(ack) == {"ok", "status", "error", "code"}
        ack = client.call("join", {"room": room.room_id, "password": 123}, timeout=5)
        assert ack["ok"] is False and ack["code"] == "invalid_field", ack
        # Not joined: a send is refused until a proper join.
        ack = client.call("message", {"room": room.room_id, "message": "hi"}, timeout=5)
        assert ack["code"] == "not_joined", ack
        assert client.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        ack = client.call("message", {"room": room.room_id, "message": ["hi"]}, timeout=5)
        assert ack["code"] == "invalid_field" and "'message'" in ack["error"], ack
    finally:
        client.disconnect()


def test_a_405_names_the_methods_the_endpoint_takes(api: Api) -> None:
    for method, path, allowed in [
        ("GET", "/room/create", "POST"),
        ("DELETE", "/chat/some_room", "POST"),
        ("PUT", "/chat/some_room/messages", "GET"),
        ("POST", "/openapi.json", "GET"),
    ]:
        response = api.http.request(method, path)
        assert_error(response, 405, "method_not_allowed")
        assert allowed in {m.strip() for m in response.headers["allow"].split(",")}, path
