"""routes_rooms.py's room entries, called directly: create, verify, join, presence."""

from __future__ import annotations

from typing import Any

import pytest

from domain.model.events import RoomCreated
from domain.model.members import Role
from domain.model.presence import Present
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import JSON, Http, assert_error, covered, registered_user


@covered.success("create_room")
def test_create_room_answers_201_with_an_admin_token_and_stores_the_room(
    http: Http, world: World
) -> None:
    made = http.call("create_room", json_body={"room_id": "lobby", "password": PASSWORD})

    assert made.status == 201
    assert (
        set(made.body) == {"room_id", "admin_token", "expires_in", "user_id", "username"}
        and made.body["room_id"] == "lobby"
    )
    assert made.headers["Content-Type"].startswith(JSON)
    claims = world.tokens.verify_room_token(made.body["admin_token"])
    assert (claims.room_id, claims.role) == ("lobby", Role.ADMIN)
    store = world.store_factory.store
    assert store.rooms["lobby"].password_hash.startswith("$argon2id$")
    assert store.memberships[("lobby", claims.user_id)].role is Role.ADMIN
    assert made.events == [RoomCreated("lobby", claims.user_id)]
    assert made.emits == []  # a new room has no one to tell


@covered.refusal("create_room")
def test_create_room_refuses_a_taken_id_and_keeps_the_first(http: Http, world: World) -> None:
    http.room("lobby")
    first = world.store_factory.store.rooms["lobby"]

    again = http.call("create_room", json_body={"room_id": "lobby", "password": "another one!"})

    assert_error(again, 409, "room_exists")
    assert world.store_factory.store.rooms["lobby"] == first


@covered.refusal("create_room")
@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"content_type": "text/plain"}, 400, "invalid_content_type"),
        ({"body": b"{not json"}, 400, "invalid_json"),
        ({"json_body": ["lobby", PASSWORD]}, 400, "invalid_json"),
        ({"json_body": {"room_id": "lobby"}}, 400, "missing_field"),
        ({"json_body": {"room_id": 7, "password": PASSWORD}}, 400, "invalid_field"),
        ({"json_body": {"room_id": "no spaces", "password": PASSWORD}}, 400, "invalid_room_id"),
        ({"json_body": {"room_id": "lobby", "password": "short"}}, 400, "invalid_password"),
    ],
)
def test_create_room_refuses_bad_input_and_stores_nothing(
    http: Http, world: World, kwargs: dict[str, Any], status: int, code: str
) -> None:
    kwargs = {"json_body": {"room_id": "lobby", "password": PASSWORD}} | kwargs
    assert_error(http.call("create_room", **kwargs), status, code)
    assert world.store_factory.store.rooms == {}
    assert world.hasher.hash_calls == 0


@covered.success("verify_room")
def test_verify_room_answers_200_with_a_member_token(http: Http, world: World) -> None:
    http.room("lobby")

    got = http.call(
        "verify_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD, "username": "Zoë"},
    )

    assert got.status == 200
    assert set(got.body) == {"token", "expires_in", "user_id", "username"}
    assert got.body["expires_in"] == 3600 and got.body["username"] == "Zoë"
    claims = world.tokens.verify_room_token(got.body["token"])
    assert (claims.room_id, claims.user_id, claims.role) == (
        "lobby",
        got.body["user_id"],
        Role.MEMBER,
    )
    store = world.store_factory.store
    assert store.memberships[("lobby", claims.user_id)].role is Role.MEMBER
    assert store.profiles[claims.user_id].username == "Zoë"
    assert got.events == [] and got.emits == []


@covered.refusal("verify_room")
def test_verify_room_refuses_a_wrong_password_with_401(http: Http, world: World) -> None:
    http.room("lobby")
    members_before = dict(world.store_factory.store.memberships)

    got = http.call("verify_room", path={"room_id": "lobby"}, json_body={"password": "wrong!!!"})

    assert_error(got, 401, "bad_password")
    assert world.store_factory.store.memberships == members_before  # no guest was made


@covered.refusal("verify_room")
def test_verify_room_of_an_unknown_room_is_404(http: Http, world: World) -> None:
    got = http.call("verify_room", path={"room_id": "nowhere"}, json_body={"password": PASSWORD})
    assert_error(got, 404, "room_not_found")
    assert world.hasher.verify_calls == 0


@covered.refusal("verify_room")
def test_verify_room_refuses_a_bad_username(http: Http) -> None:
    http.room("lobby")
    got = http.call(
        "verify_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD, "username": "bad\u200bname"},
    )
    assert_error(got, 400, "invalid_username")


@covered.success("room_presence")
def test_room_presence_lists_each_identity_once(http: Http, world: World) -> None:
    http.room("lobby")
    token = http.member("lobby", "dana")
    world.presence.enter("lobby", "c1", Present("u_b", "Bea"))
    world.presence.enter("lobby", "c2", Present("g_a", "anna", guest=True))
    world.presence.enter("lobby", "c3", Present("u_b", "Bea"))  # a second tab

    got = http.call("room_presence", path={"room_id": "lobby"}, token=token)

    assert got.status == 200
    assert got.body == {
        "room_id": "lobby",
        "users": [
            {"user_id": "g_a", "username": "anna", "guest": True},
            {"user_id": "u_b", "username": "Bea", "guest": False},
        ],
        "count": 2,
    }
    assert got.events == [] and got.emits == []


@covered.refusal("room_presence")
@pytest.mark.parametrize(
    ("member_of", "status", "code"), [(None, 401, "unauthorized"), ("other", 403, "forbidden")]
)
def test_room_presence_needs_the_access_history_needs(
    http: Http, member_of: str | None, status: int, code: str
) -> None:
    http.room("lobby")
    http.room("other")
    token = http.member(member_of) if member_of else None
    got = http.call("room_presence", path={"room_id": "lobby"}, token=token)
    assert_error(got, status, code)
    got = http.call(
        "room_presence", path={"room_id": "lobby"}, query={"x": "1"}, token=http.member("lobby")
    )
    assert_error(got, 400, "invalid_query")


@covered.success("join_room")
def test_join_room_makes_a_member_whose_user_token_then_posts_and_reads(
    http: Http, world: World
) -> None:
    http.room()
    user = registered_user(http)
    token = user["access_token"]
    joined = http.call(
        "join_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}, token=token
    )
    assert (joined.status, joined.body) == (
        200,
        {"room_id": "lobby", "user_id": user["user_id"], "role": "member"},
    )
    posted = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
    )
    assert posted.status == 201, posted.body
    page = http.call("list_messages", path={"room_id": "lobby"}, token=token)
    [message] = page.body["messages"]
    assert (message["user_id"], message["username"]) == (user["user_id"], "alice")
    # Joining again: no password checked, the same membership.
    again = http.call(
        "join_room", path={"room_id": "lobby"}, json_body={"password": "whatever"}, token=token
    )
    assert (again.status, again.body) == (200, joined.body)


@covered.refusal("join_room")
def test_join_room_with_a_wrong_password_is_401_and_makes_no_member(
    http: Http, world: World
) -> None:
    http.room()
    user = registered_user(http)
    token = user["access_token"]
    wrong = http.call(
        "join_room", path={"room_id": "lobby"}, json_body={"password": "nope nope"}, token=token
    )
    assert_error(wrong, 401, "bad_password")
    assert ("lobby", user["user_id"]) not in world.store_factory.store.memberships
    for endpoint, body in (("post_message", {"message": "hi"}), ("list_messages", None)):
        assert_error(
            http.call(endpoint, path={"room_id": "lobby"}, json_body=body, token=token),
            403,
            "forbidden",
        )


@covered.refusal("join_room")
def test_join_room_refuses_a_room_token_a_missing_room_and_no_token(http: Http) -> None:
    admin_a = http.room("a")
    http.room("b")
    # A room token for A never becomes a member of B (nor of A: it is its own grant).
    for room in ("a", "b"):
        assert_error(
            http.call(
                "join_room", path={"room_id": room}, json_body={"password": PASSWORD}, token=admin_a
            ),
            403,
            "forbidden",
        )
    token = registered_user(http)["access_token"]
    assert_error(
        http.call(
            "join_room", path={"room_id": "nowhere"}, json_body={"password": PASSWORD}, token=token
        ),
        404,
        "room_not_found",
    )
    assert_error(
        http.call("join_room", path={"room_id": "a"}, json_body={"password": PASSWORD}),
        401,
        "unauthorized",
    )
    assert_error(
        http.call(
            "join_room",
            path={"room_id": "a"},
            json_body={"password": PASSWORD, "user_id": "u_x"},
            token=token,
        ),
        400,
        "unexpected_field",
    )


@covered.refusal("join_room")
@covered.refusal("post_message")
@covered.refusal("list_messages")
def test_a_user_token_of_a_logged_out_sign_in_is_refused_everywhere(http: Http) -> None:
    http.room()
    user = registered_user(http)
    token = user["access_token"]
    http.call("join_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}, token=token)
    http.call("logout", json_body={"refresh_token": user["refresh_token"]})
    for endpoint, body in (
        ("join_room", {"password": PASSWORD}),
        ("post_message", {"message": "hi"}),
        ("list_messages", None),
    ):
        assert_error(
            http.call(endpoint, path={"room_id": "lobby"}, json_body=body, token=token),
            401,
            "unauthorized",
        )


def test_a_user_token_opens_only_the_rooms_its_user_joined(http: Http) -> None:
    http.room("a")
    http.room("b")
    token = registered_user(http)["access_token"]
    http.call("join_room", path={"room_id": "a"}, json_body={"password": PASSWORD}, token=token)
    assert http.call("list_messages", path={"room_id": "a"}, token=token).status == 200
    assert_error(http.call("list_messages", path={"room_id": "b"}, token=token), 403, "forbidden")
    assert_error(
        http.call("post_message", path={"room_id": "b"}, json_body={"message": "x"}, token=token),
        403,
        "forbidden",
    )


@covered.success("create_room")
def test_a_user_who_creates_a_room_administers_it_with_its_own_token(
    http: Http, world: World
) -> None:
    user = registered_user(http)
    made = http.call(
        "create_room",
        json_body={"room_id": "lobby", "password": PASSWORD},
        token=user["access_token"],
    )
    assert made.status == 201, made.body
    room = world.store_factory.store.rooms["lobby"]
    assert room.created_by == user["user_id"]
    membership = world.store_factory.store.memberships[("lobby", user["user_id"])]
    assert membership.role is Role.ADMIN
    assert user["user_id"] not in world.store_factory.store.profiles  # no guest made
    overview = http.call("room_overview", path={"room_id": "lobby"}, token=user["access_token"])
    assert overview.status == 200 and overview.body["created_by"] == user["user_id"]
    # The admin token names the same creator.
    assert world.tokens.verify_room_token(made.body["admin_token"]).user_id == user["user_id"]


@covered.refusal("create_room")
def test_a_room_is_not_created_with_a_room_token_or_a_bad_token(http: Http, world: World) -> None:
    admin = http.room("first")
    body = {"room_id": "lobby", "password": PASSWORD}
    assert_error(http.call("create_room", json_body=body, token=admin), 403, "forbidden")
    assert_error(http.call("create_room", json_body=body, token="garbage"), 401, "unauthorized")
    assert "lobby" not in world.store_factory.store.rooms
