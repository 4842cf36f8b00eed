"""Every entry of `ROUTES` (entrypoints/common/http_api.py), called directly over the memory
adapters, no server: the way both shells call it (entrypoints/flask/shell.py,
entrypoints/quart/shell.py): `ServerBase.answer`, a `Batched` send through the batch function
and `respond`, then `ServerBase.encode` and the emits of the response's events.

Each route has a test of its success and of at least one refusal; the last test fails if a
route is added to the table without them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from werkzeug.datastructures import Headers

from domain.model.events import (
    AddressesNarrowed,
    FamilyRevoked,
    HistoryCleared,
    MemberRemoved,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    RoleChanged,
    RoomCreated,
    RoomDeleted,
    RoomTokensRevoked,
)
from domain.model.members import Role, Standing
from domain.model.presence import Present
from domain.usecases.deps import CoreConfig
from entrypoints.common import docs_page, http_api, web_page
from entrypoints.common.batching import Batched
from entrypoints.common.bootstrap import Core
from entrypoints.common.http_api import respond
from entrypoints.common.http_types import HttpRequest, HttpResponse
from entrypoints.common.routes import ROUTES
from entrypoints.common.server_base import ServerBase
from entrypoints.common.settings import Settings
from entrypoints.common.shapes import iso_ms
from entrypoints.common.socket_events import Emit, channel, emits_for
from tests.support import PASSWORD, BrokenCipher, Coverage, World

F = TypeVar("F", bound=Callable[..., None])
covered = Coverage()
BY_ENDPOINT = {route.endpoint: route for route in ROUTES}
JSON = "application/json"


@dataclass
class Answered:
    """What a shell writes and emits for one request."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    events: list[object] = field(default_factory=list)
    emits: list[Emit] = field(default_factory=list)

    @property
    def code(self) -> str | None:
        return self.body.get("code")


class Http:
    """A runtime shell without the framework: request in, what it would write out."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.base = ServerBase(Settings(), Core(Settings(), world.deps))
        self.batches: list[int] = []

    def call(
        self,
        endpoint: str,
        *,
        path: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        json_body: object = None,
        body: bytes | None = None,
        content_type: str | None = JSON,
        token: str | None = None,
        client: str = "",
    ) -> Answered:
        route = BY_ENDPOINT[endpoint]
        headers = Headers()
        if content_type is not None and route.body is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if body is None:
            body = json.dumps(json_body).encode() if json_body is not None else b""
        request = HttpRequest(route.method, path or {}, query or {}, headers, body, client=client)
        answer = http_api.answer(self.base.deps, route, request)
        if isinstance(answer, Batched):  # what the shells' batchers do with a send
            self.batches.append(1)
            answer = respond(answer, self.base.send_batch([answer.command])[0])
        assert isinstance(answer, HttpResponse)
        status, encoded, out_headers = self.base.encode(answer)
        if isinstance(answer.body, bytes):  # the docs page and its assets
            return Answered(status, {"raw": encoded}, out_headers)
        return Answered(
            status, json.loads(encoded), out_headers, list(answer.events), emits_for(answer.events)
        )

    def room(self, room_id: str = "lobby") -> str:
        """A created room's admin token."""
        made = self.call("create_room", json_body={"room_id": room_id, "password": PASSWORD})
        assert made.status == 201, made.body
        return str(made.body["admin_token"])

    def member(self, room_id: str = "lobby", username: str | None = None) -> str:
        data = {"password": PASSWORD} | ({"username": username} if username else {})
        got = self.call("verify_room", path={"room_id": room_id}, json_body=data)
        assert got.status == 200, got.body
        return str(got.body["token"])


@pytest.fixture
def http(world: World) -> Http:
    return Http(world)


def _assert_error(answered: Answered, status: int, code: str) -> None:
    assert (answered.status, answered.code) == (status, code), answered.body
    assert set(answered.body) == {"error", "code"} and answered.body["error"]
    assert answered.headers["Content-Type"].startswith(JSON)
    assert answered.events == [] and answered.emits == []
    if status == 401:
        assert answered.headers["WWW-Authenticate"] == 'Bearer realm="securechat"'


# -- POST /room/create --------------------------------------------------------------------


@covered.success("create_room")
def test_create_room_answers_201_with_an_admin_token_and_stores_the_room(
    http: Http, world: World
) -> None:
    made = http.call("create_room", json_body={"room_id": "lobby", "password": PASSWORD})

    assert made.status == 201
    assert set(made.body) == {"room_id", "admin_token"} and made.body["room_id"] == "lobby"
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

    _assert_error(again, 409, "room_exists")
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
    _assert_error(http.call("create_room", **kwargs), status, code)
    assert world.store_factory.store.rooms == {}
    assert world.hasher.hash_calls == 0


# -- POST /chat/<room_id>/verify ----------------------------------------------------------


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

    _assert_error(got, 401, "bad_password")
    assert world.store_factory.store.memberships == members_before  # no guest was made


@covered.refusal("verify_room")
def test_verify_room_of_an_unknown_room_is_404(http: Http, world: World) -> None:
    got = http.call("verify_room", path={"room_id": "nowhere"}, json_body={"password": PASSWORD})
    _assert_error(got, 404, "room_not_found")
    assert world.hasher.verify_calls == 0


@covered.refusal("verify_room")
def test_verify_room_refuses_a_bad_username(http: Http) -> None:
    http.room("lobby")
    got = http.call(
        "verify_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD, "username": "bad\u200bname"},
    )
    _assert_error(got, 400, "invalid_username")


# -- POST /chat/<room_id> -----------------------------------------------------------------


@covered.success("post_message")
def test_post_message_is_batched_stored_encrypted_and_emitted(http: Http, world: World) -> None:
    http.room("lobby")
    token = http.member("lobby", "alice")

    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "hello"}, token=token
    )

    assert sent.status == 201 and set(sent.body) == {"message_id"}
    assert http.batches == [1]  # the send went through the batch function
    (stored,) = world.store_factory.store.messages["lobby"]
    assert stored.id == sent.body["message_id"]
    assert b"hello" not in stored.ciphertext
    assert world.cipher.decrypt(stored.ciphertext) == b"hello"
    (event,) = sent.events
    assert isinstance(event, MessagePosted) and event.message.id == stored.id
    (emit,) = sent.emits
    assert (emit.event, emit.to) == ("message", channel("lobby"))
    assert emit.data["message"] == "hello" and emit.data["username"] == "alice"


@covered.refusal("post_message")
def test_post_message_without_a_token_is_401_and_stores_nothing(http: Http, world: World) -> None:
    http.room("lobby")
    for token in (None, "garbage"):
        sent = http.call(
            "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
        )
        _assert_error(sent, 401, "unauthorized")
    assert http.batches == []  # refused before the batcher
    assert world.store_factory.store.messages == {}


@covered.refusal("post_message")
def test_post_message_with_another_rooms_token_is_403(http: Http, world: World) -> None:
    http.room("lobby")
    http.room("other")
    token = http.member("other")

    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
    )

    _assert_error(sent, 403, "forbidden")
    assert world.store_factory.store.messages.get("lobby", []) == []


@covered.refusal("post_message")
def test_post_message_refused_in_its_batch_answers_with_the_domain_error(
    http: Http, world: World
) -> None:
    http.room("lobby")
    token = http.member("lobby")

    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "   "}, token=token
    )

    assert http.batches == [1]
    _assert_error(sent, 400, "message_empty")
    assert world.store_factory.store.messages.get("lobby", []) == []


@covered.refusal("post_message")
def test_post_message_whose_batch_fails_is_a_500_and_stores_nothing(
    http: Http, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    http.room("lobby")
    token = http.member("lobby")
    broken = Http(
        dataclasses.replace(world, deps=dataclasses.replace(world.deps, cipher=BrokenCipher()))
    )

    with caplog.at_level("ERROR", logger="securechat.batching"):
        sent = broken.call(
            "post_message", path={"room_id": "lobby"}, json_body={"message": "hi"}, token=token
        )

    _assert_error(sent, 500, "internal_error")
    assert "a batch of 1 messages failed" in caplog.text
    assert world.store_factory.store.messages.get("lobby", []) == []


# -- GET /chat/<room_id>/messages ---------------------------------------------------------


@covered.success("list_messages")
def test_list_messages_pages_the_history_oldest_first(http: Http, world: World) -> None:
    http.room("lobby")
    token = http.member("lobby", "dana")
    ids = []
    for i in range(3):
        world.clock.advance(ms=1)
        sent = http.call(
            "post_message", path={"room_id": "lobby"}, json_body={"message": f"m{i}"}, token=token
        )
        ids.append(sent.body["message_id"])

    newest = http.call(
        "list_messages", path={"room_id": "lobby"}, query={"limit": "2"}, token=token
    )

    assert newest.status == 200
    assert [m["message"] for m in newest.body["messages"]] == ["m1", "m2"]
    assert [m["id"] for m in newest.body["messages"]] == ids[1:]
    assert {m["username"] for m in newest.body["messages"]} == {"dana"}
    assert newest.body["next_before"] == ids[1]
    assert newest.events == [] and newest.emits == []

    older = http.call(
        "list_messages",
        path={"room_id": "lobby"},
        query={"limit": "2", "before": newest.body["next_before"]},
        token=token,
    )
    assert [m["message"] for m in older.body["messages"]] == ["m0"]
    assert older.body["next_before"] is None


@covered.refusal("list_messages")
def test_list_messages_without_a_token_is_401(http: Http) -> None:
    http.room("lobby")
    _assert_error(http.call("list_messages", path={"room_id": "lobby"}), 401, "unauthorized")


@covered.refusal("list_messages")
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"limit": "ten"}, "invalid_query"),
        ({"limit": "-1"}, "invalid_query"),
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "101"}, "invalid_limit"),
        ({"before": "not-a-message-id"}, "invalid_cursor"),
    ],
)
def test_list_messages_refuses_a_bad_limit_or_cursor(
    http: Http, query: dict[str, str], code: str
) -> None:
    http.room("lobby")
    token = http.member("lobby")
    got = http.call("list_messages", path={"room_id": "lobby"}, query=query, token=token)
    _assert_error(got, 400, code)


@covered.refusal("list_messages")
def test_list_messages_of_another_room_is_403(http: Http) -> None:
    http.room("lobby")
    http.room("other")
    got = http.call("list_messages", path={"room_id": "lobby"}, token=http.member("other"))
    _assert_error(got, 403, "forbidden")


# -- GET /chat/<room_id>/presence ---------------------------------------------------------


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
    _assert_error(got, status, code)
    got = http.call(
        "room_presence", path={"room_id": "lobby"}, query={"x": "1"}, token=http.member("lobby")
    )
    _assert_error(got, 400, "invalid_query")


# -- accounts --------------------------------------------------------------------------------

ACCOUNT = {"username": "Alice", "password": "a long enough password"}
SIGNED_IN = {"user_id", "username", "access_token", "refresh_token", "expires_in"}


def _registered(http: Http) -> dict[str, Any]:
    got = http.call("register", json_body=ACCOUNT)
    assert got.status == 201, got.body
    return got.body


@covered.success("register")
def test_register_signs_the_new_account_in_and_stores_no_secret(http: Http, world: World) -> None:
    body = _registered(http)
    assert set(body) == SIGNED_IN and body["username"] == "Alice"
    assert body["expires_in"] == world.deps.config.user_token_ttl_s
    stored = repr(world.store_factory.store.users) + repr(world.store_factory.store.refresh_tokens)
    assert ACCOUNT["password"] not in stored and body["refresh_token"] not in stored


@covered.refusal("register")
def test_register_refuses_a_name_taken_in_another_case(http: Http, world: World) -> None:
    _registered(http)
    again = http.call("register", json_body={**ACCOUNT, "username": "ALICE"})
    _assert_error(again, 409, "username_taken")
    assert len(world.store_factory.store.users) == 1
    short = http.call("register", json_body={**ACCOUNT, "username": "bob", "password": "x"})
    _assert_error(short, 400, "invalid_password")


@covered.success("login")
def test_login_gives_a_new_pair(http: Http) -> None:
    first = _registered(http)
    got = http.call("login", json_body={**ACCOUNT, "username": "alice"})
    assert got.status == 200 and set(got.body) == SIGNED_IN
    assert got.body["user_id"] == first["user_id"]
    assert got.body["refresh_token"] != first["refresh_token"]


@covered.refusal("login")
def test_login_refuses_a_wrong_password_and_an_unknown_name_alike(http: Http) -> None:
    _registered(http)
    wrong = http.call("login", json_body={**ACCOUNT, "password": "not the password"})
    unknown = http.call("login", json_body={**ACCOUNT, "username": "nobody"})
    _assert_error(wrong, 401, "invalid_credentials")
    _assert_error(unknown, 401, "invalid_credentials")
    assert wrong.body == unknown.body


@covered.success("refresh")
def test_refresh_rotates_the_refresh_token(http: Http) -> None:
    first = _registered(http)
    got = http.call("refresh", json_body={"refresh_token": first["refresh_token"]})
    assert got.status == 200 and set(got.body) == SIGNED_IN
    assert got.body["refresh_token"] != first["refresh_token"]


@covered.refusal("refresh")
def test_a_replayed_refresh_token_revokes_its_sign_in(http: Http) -> None:
    first = _registered(http)
    newer = http.call("refresh", json_body={"refresh_token": first["refresh_token"]}).body
    replay = http.call("refresh", json_body={"refresh_token": first["refresh_token"]})
    # Refused, and the revocation still travels with the answer: its sockets get dropped.
    assert [type(e) for e in replay.events] == [FamilyRevoked]
    _assert_error(dataclasses.replace(replay, events=[]), 401, "invalid_refresh_token")
    after = http.call("refresh", json_body={"refresh_token": newer["refresh_token"]})
    _assert_error(after, 401, "invalid_refresh_token")
    _assert_error(
        http.call("refresh", json_body={"refresh_token": "made-up"}), 401, "invalid_refresh_token"
    )


@covered.success("logout")
def test_logout_revokes_the_sign_in(http: Http) -> None:
    first = _registered(http)
    got = http.call("logout", json_body={"refresh_token": first["refresh_token"]})
    assert (got.status, got.body) == (200, {"revoked": True})
    assert [type(e) for e in got.events] == [FamilyRevoked] and got.emits == []
    again = http.call("refresh", json_body={"refresh_token": first["refresh_token"]})
    _assert_error(again, 401, "invalid_refresh_token")


# -- POST /chat/<room_id>/join ----------------------------------------------------------


def _user(http: Http, username: str = "alice") -> dict[str, Any]:
    got = http.call("register", json_body={"username": username, "password": PASSWORD})
    assert got.status == 201, got.body
    return got.body


@covered.success("join_room")
def test_join_room_makes_a_member_whose_user_token_then_posts_and_reads(
    http: Http, world: World
) -> None:
    http.room()
    user = _user(http)
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
    user = _user(http)
    token = user["access_token"]
    wrong = http.call(
        "join_room", path={"room_id": "lobby"}, json_body={"password": "nope nope"}, token=token
    )
    _assert_error(wrong, 401, "bad_password")
    assert ("lobby", user["user_id"]) not in world.store_factory.store.memberships
    for endpoint, body in (("post_message", {"message": "hi"}), ("list_messages", None)):
        _assert_error(
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
        _assert_error(
            http.call(
                "join_room", path={"room_id": room}, json_body={"password": PASSWORD}, token=admin_a
            ),
            403,
            "forbidden",
        )
    token = _user(http)["access_token"]
    _assert_error(
        http.call(
            "join_room", path={"room_id": "nowhere"}, json_body={"password": PASSWORD}, token=token
        ),
        404,
        "room_not_found",
    )
    _assert_error(
        http.call("join_room", path={"room_id": "a"}, json_body={"password": PASSWORD}),
        401,
        "unauthorized",
    )
    _assert_error(
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
    user = _user(http)
    token = user["access_token"]
    http.call("join_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}, token=token)
    http.call("logout", json_body={"refresh_token": user["refresh_token"]})
    for endpoint, body in (
        ("join_room", {"password": PASSWORD}),
        ("post_message", {"message": "hi"}),
        ("list_messages", None),
    ):
        _assert_error(
            http.call(endpoint, path={"room_id": "lobby"}, json_body=body, token=token),
            401,
            "unauthorized",
        )


def test_a_user_token_opens_only_the_rooms_its_user_joined(http: Http) -> None:
    http.room("a")
    http.room("b")
    token = _user(http)["access_token"]
    http.call("join_room", path={"room_id": "a"}, json_body={"password": PASSWORD}, token=token)
    assert http.call("list_messages", path={"room_id": "a"}, token=token).status == 200
    _assert_error(http.call("list_messages", path={"room_id": "b"}, token=token), 403, "forbidden")
    _assert_error(
        http.call("post_message", path={"room_id": "b"}, json_body={"message": "x"}, token=token),
        403,
        "forbidden",
    )


@covered.refusal("logout")
def test_logout_refuses_what_is_not_a_refresh_token(http: Http) -> None:
    _registered(http)
    _assert_error(
        http.call("logout", json_body={"refresh_token": "x"}), 401, "invalid_refresh_token"
    )
    _assert_error(http.call("logout", json_body={"token": "x"}), 400, "unexpected_field")


# -- guest profiles -------------------------------------------------------------------------

AVATAR = "https://example.org/'\"><script>alert(1)</script>.png"
GUEST = {"user_id": "fox", "username": "<b>Fox</b>", "avatar": AVATAR}


def _guest(http: Http, **fields: str) -> dict[str, Any]:
    got = http.call("create_profile", json_body=GUEST | fields)
    assert got.status == 201, got.body
    return got.body


def _users(world: World) -> tuple[object, ...]:
    store = world.store_factory.store
    return dict(store.users), dict(store.user_keys), dict(store.refresh_families)


@covered.success("create_profile")
def test_create_profile_signs_a_guest_in_and_keeps_html_as_data(http: Http, world: World) -> None:
    body = _guest(http)
    assert set(body) == SIGNED_IN | {"avatar", "guest"}
    assert (body["user_id"], body["username"], body["avatar"], body["guest"]) == (
        "fox",
        "<b>Fox</b>",
        AVATAR,
        True,
    )
    claims = world.tokens.verify_user_token(body["access_token"])
    assert (claims.user_id, claims.guest) == ("fox", True)
    assert world.store_factory.store.users["fox"].password_hash is None
    assert http.call("refresh", json_body={"refresh_token": body["refresh_token"]}).status == 200


@covered.refusal("create_profile")
def test_create_profile_refuses_reserved_taken_and_bad_input_and_stores_nothing(
    http: Http, world: World
) -> None:
    _guest(http)
    account = _registered(http)
    before = _users(world)
    for body, status, code in (
        (GUEST | {"user_id": "g_fox"}, 400, "reserved_user_id"),
        (GUEST | {"user_id": "a b"}, 400, "invalid_user_id"),
        (GUEST | {"user_id": "owl", "avatar": "javascript:alert(1)"}, 400, "invalid_avatar"),
        (GUEST | {"user_id": "owl", "avatar": 5}, 400, "invalid_field"),
        (GUEST | {"user_id": "owl", "password": "x"}, 400, "unexpected_field"),
        ({"user_id": "owl", "avatar": AVATAR}, 400, "missing_field"),
        (GUEST | {"username": "Someone"}, 409, "user_id_taken"),
        (GUEST | {"user_id": account["user_id"], "username": "Someone"}, 409, "user_id_taken"),
        (GUEST | {"user_id": "owl", "username": "ALICE"}, 409, "username_taken"),
        (GUEST | {"user_id": "owl", "username": "<B>FOX</B>"}, 409, "username_taken"),
    ):
        _assert_error(http.call("create_profile", json_body=body), status, code)
    assert _users(world) == before


def test_create_profile_counts_under_the_sign_up_limit() -> None:
    assert BY_ENDPOINT["create_profile"].limits == BY_ENDPOINT["register"].limits


@covered.success("get_profile")
def test_get_profile_shows_public_fields_only(http: Http) -> None:
    guest = _guest(http)
    account = _registered(http)
    http.room("lobby")
    room_guest = http.call(
        "verify_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}
    ).body
    for user_id, expected in (
        ("fox", {"user_id": "fox", "username": "<b>Fox</b>", "avatar": AVATAR, "guest": True}),
        (
            account["user_id"],
            {"user_id": account["user_id"], "username": "Alice", "avatar": None, "guest": False},
        ),
        (
            room_guest["user_id"],
            {
                "user_id": room_guest["user_id"],
                "username": room_guest["username"],
                "avatar": None,
                "guest": True,
            },
        ),
    ):
        got = http.call("get_profile", path={"user_id": user_id})
        assert (got.status, got.body) == (200, expected)
        assert guest["refresh_token"] not in str(got.body)


@covered.refusal("get_profile")
def test_get_profile_of_no_one_is_404(http: Http) -> None:
    _assert_error(http.call("get_profile", path={"user_id": "nobody"}), 404, "profile_not_found")
    got = http.call("get_profile", path={"user_id": "nobody"}, query={"x": "1"})
    _assert_error(got, 400, "invalid_query")


@covered.success("update_profile")
def test_update_profile_changes_ones_own_and_gives_a_token_with_the_new_name(
    http: Http, world: World
) -> None:
    token = _guest(http)["access_token"]
    got = http.call(
        "update_profile",
        path={"user_id": "fox"},
        json_body={"username": "Vixen", "avatar": None},
        token=token,
    )
    assert got.status == 200, got.body
    assert set(got.body) == {"user_id", "username", "avatar", "guest", "access_token", "expires_in"}
    assert (got.body["username"], got.body["avatar"], got.body["guest"]) == ("Vixen", None, True)
    assert world.tokens.verify_user_token(got.body["access_token"]).username == "Vixen"
    shown = http.call("get_profile", path={"user_id": "fox"}).body
    assert (shown["username"], shown["avatar"]) == ("Vixen", None)
    kept = http.call("update_profile", path={"user_id": "fox"}, json_body={}, token=token)
    assert (kept.status, kept.body["username"]) == (200, "Vixen")


@covered.refusal("update_profile")
def test_update_profile_of_another_identity_or_with_a_room_token_changes_nothing(
    http: Http, world: World
) -> None:
    _guest(http)
    account = _registered(http)
    http.room("lobby")
    room_token = http.member("lobby")
    before = _users(world)
    rename = {"username": "Mine"}
    for token, status, code in (
        (account["access_token"], 403, "identity_mismatch"),
        (room_token, 403, "forbidden"),
        (None, 401, "unauthorized"),
    ):
        got = http.call("update_profile", path={"user_id": "fox"}, json_body=rename, token=token)
        _assert_error(got, status, code)
    own = account["access_token"]
    for body, status, code in (
        ({"username": "<b>fox</b>"}, 409, "username_taken"),
        ({"avatar": "ftp://x"}, 400, "invalid_avatar"),
        ({"user_id": "fox"}, 400, "unexpected_field"),
    ):
        path = {"user_id": account["user_id"]}
        got = http.call("update_profile", path=path, json_body=body, token=own)
        _assert_error(got, status, code)
    assert _users(world) == before


@covered.refusal("verify_room")
def test_verify_room_refuses_a_name_an_account_or_guest_profile_holds(
    http: Http, world: World
) -> None:
    http.room("lobby")
    _guest(http)
    _registered(http)
    before = dict(world.store_factory.store.profiles)
    for name in ("<B>FOX</B>", "alice"):
        got = http.call(
            "verify_room",
            path={"room_id": "lobby"},
            json_body={"password": PASSWORD, "username": name},
        )
        _assert_error(got, 409, "username_taken")
    assert world.store_factory.store.profiles == before


# -- identity is the token's ----------------------------------------------------------------


@covered.success("post_message")
def test_post_message_with_its_own_user_id_is_accepted_and_marked_guest(
    http: Http, world: World
) -> None:
    http.room("lobby")
    access = http.call(
        "verify_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}
    ).body
    body = {"message": "hello", "user_id": access["user_id"]}
    sent = http.call(
        "post_message", path={"room_id": "lobby"}, json_body=body, token=access["token"]
    )
    assert sent.status == 201, sent.body
    (emit,) = sent.emits
    assert (emit.data["user_id"], emit.data["guest"]) == (access["user_id"], True)


@covered.refusal("post_message")
def test_post_message_with_another_user_id_is_identity_mismatch_and_stores_nothing(
    http: Http, world: World
) -> None:
    admin = http.room("lobby")
    victim = http.member("lobby", "victim")
    victim_id = world.tokens.verify_room_token(victim).user_id
    for claimed in (victim_id, "u_anyone", ""):
        body = {"message": "I am someone else", "user_id": claimed}
        sent = http.call("post_message", path={"room_id": "lobby"}, json_body=body, token=admin)
        _assert_error(sent, 403, "identity_mismatch")
    assert world.store_factory.store.messages.get("lobby", []) == []


# -- the API's description and its docs page -----------------------------------------------


@covered.success("openapi")
def test_the_document_is_served(http: Http) -> None:
    got = http.call("openapi")
    assert got.status == 200 and got.body["openapi"].startswith("3.1")
    assert set(got.body["paths"]) >= {"/room/create", "/chat/{room_id}/messages"}


@covered.refusal("openapi")
def test_the_document_takes_no_query(http: Http) -> None:
    _assert_error(http.call("openapi", query={"x": "1"}), 400, "invalid_query")


DOCS_ENDPOINTS = [asset.endpoint for asset in docs_page.ASSETS]


def _covers_every_docs_file(test: F) -> F:
    for endpoint in DOCS_ENDPOINTS:
        test = covered.refusal(endpoint)(covered.success(endpoint)(test))
    return test


@_covers_every_docs_file
@pytest.mark.parametrize("endpoint", DOCS_ENDPOINTS)
def test_each_docs_file_is_served_with_its_type_and_takes_no_query(
    http: Http, endpoint: str
) -> None:
    asset = next(a for a in docs_page.ASSETS if a.endpoint == endpoint)
    got = http.call(endpoint)
    assert got.status == 200 and len(got.body["raw"]) > 100
    assert got.headers["Content-Type"].startswith(asset.media_type)
    _assert_error(http.call(endpoint, query={"x": "1"}), 400, "invalid_query")


# -- the chat page ---------------------------------------------------------------------------

PAGE_ENDPOINTS = [asset.endpoint for asset in web_page.ASSETS]


def _covers_every_page_file(test: F) -> F:
    for endpoint in PAGE_ENDPOINTS:
        test = covered.refusal(endpoint)(covered.success(endpoint)(test))
    return test


@pytest.fixture
def built_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dist/ of the page with a file of each name (the real build is the browser tests')."""
    for asset in web_page.ASSETS:
        target = tmp_path / asset.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"/* {asset.name} */")
    monkeypatch.setattr(web_page, "DIST", tmp_path)
    return tmp_path


@_covers_every_page_file
@pytest.mark.parametrize("endpoint", PAGE_ENDPOINTS)
def test_each_page_file_is_served_with_its_type_a_strict_policy_and_takes_no_query(
    http: Http, built_page: Path, endpoint: str
) -> None:
    asset = next(a for a in web_page.ASSETS if a.endpoint == endpoint)
    got = http.call(endpoint)
    assert got.status == 200 and got.body["raw"] == f"/* {asset.name} */".encode()
    assert got.headers["Content-Type"].startswith(asset.media_type)
    policy = got.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    _assert_error(http.call(endpoint, query={"x": "1"}), 400, "invalid_query")


@pytest.mark.parametrize("endpoint", PAGE_ENDPOINTS)
def test_a_page_not_built_is_503_in_words(
    http: Http, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    monkeypatch.setattr(web_page, "DIST", tmp_path / "nothing")
    got = http.call(endpoint)
    _assert_error(got, 503, "page_not_built")
    assert "securechat build-web" in got.body["error"]


# -- administration -------------------------------------------------------------------------


def _post(http: Http, token: str, text: str = "hi", room_id: str = "lobby") -> str:
    posted = http.call(
        "post_message", path={"room_id": room_id}, json_body={"message": text}, token=token
    )
    assert posted.status == 201, posted.body
    return str(posted.body["message_id"])


def _admin_member(http: Http, room_id: str = "lobby") -> str:
    """A user token of a member whose role is admin (promotion has no route yet)."""
    user = _user(http, "boss")
    token = user["access_token"]
    http.call("join_room", path={"room_id": room_id}, json_body={"password": PASSWORD}, token=token)
    store = http.world.store_factory.store
    key = (room_id, user["user_id"])
    store.memberships[key] = dataclasses.replace(store.memberships[key], role=Role.ADMIN)
    return str(token)


@covered.success("delete_room")
def test_delete_room_removes_everything_and_tells_the_room(http: Http, world: World) -> None:
    admin = http.room()
    _post(http, admin)
    incarnation = world.store_factory.store.rooms["lobby"].incarnation

    deleted = http.call("delete_room", json_body={"room_id": "lobby"}, token=admin)

    assert (deleted.status, deleted.body) == (200, {"room_id": "lobby", "deleted": True})
    store = world.store_factory.store
    assert "lobby" not in store.rooms and "lobby" not in store.messages
    assert [key for key in store.memberships if key[0] == "lobby"] == []
    assert deleted.events == [RoomDeleted("lobby", incarnation)]
    assert deleted.emits == [Emit("room_deleted", {"room": "lobby"}, channel("lobby"))]
    # The admin token died with the room, and opens nothing of a new room of that id.
    _assert_error(
        http.call("delete_room", json_body={"room_id": "lobby"}, token=admin), 401, "unauthorized"
    )
    http.room()
    _assert_error(
        http.call("room_overview", path={"room_id": "lobby"}, token=admin), 401, "unauthorized"
    )


@covered.refusal("delete_room")
def test_delete_room_refuses_a_guest_and_another_rooms_admin(http: Http, world: World) -> None:
    http.room()
    other_admin = http.room("other")
    guest = http.member()
    for token, status, code in (
        (guest, 403, "admin_required"),
        (other_admin, 403, "forbidden"),
        (None, 401, "unauthorized"),
    ):
        refused = http.call("delete_room", json_body={"room_id": "lobby"}, token=token)
        _assert_error(refused, status, code)
    assert "lobby" in world.store_factory.store.rooms


@covered.success("clear_history")
def test_clear_history_deletes_every_message(http: Http, world: World) -> None:
    admin = http.room()
    for text in ("one", "two"):
        _post(http, admin, text)

    cleared = http.call("clear_history", path={"room_id": "lobby"}, token=admin)

    assert (cleared.status, cleared.body) == (200, {"room_id": "lobby", "cleared": 2})
    assert world.store_factory.store.messages.get("lobby", []) == []
    assert cleared.events == [HistoryCleared("lobby", 2)]
    assert cleared.emits == [Emit("history_cleared", {"room": "lobby"}, channel("lobby"))]


@covered.refusal("clear_history")
def test_clear_history_refuses_a_guest_and_a_plain_member(http: Http, world: World) -> None:
    admin = http.room()
    _post(http, admin)
    member = _user(http)["access_token"]
    http.call(
        "join_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}, token=member
    )
    for token in (http.member(), member):
        refused = http.call("clear_history", path={"room_id": "lobby"}, token=token)
        _assert_error(refused, 403, "admin_required")
    assert len(world.store_factory.store.messages["lobby"]) == 1


@covered.success("delete_message")
def test_delete_message_by_its_sender_and_by_an_admin(http: Http, world: World) -> None:
    admin = http.room()
    guest = http.member()
    mine, theirs = _post(http, guest, "mine"), _post(http, guest, "theirs")

    by_sender = http.call(
        "delete_message", path={"room_id": "lobby", "message_id": mine}, token=guest
    )
    by_admin = http.call(
        "delete_message", path={"room_id": "lobby", "message_id": theirs}, token=admin
    )

    assert (by_sender.status, by_sender.body) == (
        200,
        {"room_id": "lobby", "message_id": mine, "deleted": True},
    )
    assert by_admin.status == 200
    assert world.store_factory.store.messages["lobby"] == []
    assert by_sender.events == [MessageDeleted("lobby", mine)]
    assert by_sender.emits == [
        Emit("message_deleted", {"room": "lobby", "message_id": mine}, channel("lobby"))
    ]


@covered.refusal("delete_message")
def test_delete_message_refuses_someone_elses_a_missing_one_and_a_bad_id(
    http: Http, world: World
) -> None:
    admin = http.room()
    guest = http.member()
    admins = _post(http, admin)
    path = {"room_id": "lobby", "message_id": admins}
    _assert_error(http.call("delete_message", path=path, token=guest), 403, "forbidden")
    gone = "01900000-0000-7000-8000-000000000000"
    missing = http.call(
        "delete_message", path={"room_id": "lobby", "message_id": gone}, token=admin
    )
    _assert_error(missing, 404, "message_not_found")
    bad = http.call("delete_message", path={"room_id": "lobby", "message_id": "x"}, token=admin)
    _assert_error(bad, 400, "invalid_message_id")
    assert [m.id for m in world.store_factory.store.messages["lobby"]] == [admins]


@covered.success("edit_message")
def test_edit_message_by_its_sender_stores_it_encrypted_and_tells_the_room(
    http: Http, world: World
) -> None:
    http.room()
    guest = http.member()
    sent = _post(http, guest, "helo")
    world.clock.advance(seconds=5)

    edited = http.call(
        "edit_message",
        path={"room_id": "lobby", "message_id": sent},
        json_body={"message": "hello"},
        token=guest,
    )

    stamp = iso_ms(world.clock.now_ms())
    assert (edited.status, edited.body) == (
        200,
        {"room_id": "lobby", "message_id": sent, "message": "hello", "edited_at": stamp},
    )
    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"hello" and b"hello" not in row.ciphertext
    (event,) = edited.events
    assert isinstance(event, MessageEdited) and event.message.text == "hello"
    data = {"room": "lobby", "message_id": sent, "message": "hello", "edited_at": stamp}
    assert edited.emits == [Emit("message_edited", data, channel("lobby"))]
    page = http.call("list_messages", path={"room_id": "lobby"}, token=guest)
    [shown] = page.body["messages"]
    assert (shown["message"], shown["edited_at"], shown["reactions"]) == ("hello", stamp, {})


@covered.refusal("edit_message")
def test_edit_message_refuses_another_sender_a_closed_window_and_bad_input(
    world: World,
) -> None:
    short = dataclasses.replace(world.deps, config=CoreConfig(edit_window_s=60))
    http = Http(dataclasses.replace(world, deps=short))
    admin = http.room()
    guest = http.member()
    sent = _post(http, guest, "kept")
    path = {"room_id": "lobby", "message_id": sent}

    def edit(token: str | None, body: object, at: dict[str, str] = path) -> Answered:
        return http.call("edit_message", path=at, json_body=body, token=token)

    _assert_error(edit(admin, {"message": "x"}), 403, "not_sender")
    _assert_error(edit(http.member(), {"message": "x"}), 403, "not_sender")
    _assert_error(edit(None, {"message": "x"}), 401, "unauthorized")
    _assert_error(edit(guest, {"message": " "}), 400, "message_empty")
    _assert_error(edit(guest, {"message": "x", "user_id": "u_x"}), 403, "identity_mismatch")
    _assert_error(edit(guest, {"message": "x", "extra": 1}), 400, "unexpected_field")
    _assert_error(edit(guest, {}), 400, "missing_field")
    _assert_error(
        edit(guest, {"message": "x"}, {**path, "message_id": "x"}), 400, "invalid_message_id"
    )
    gone = {**path, "message_id": "01900000-0000-7000-8000-000000000000"}
    _assert_error(edit(guest, {"message": "x"}, gone), 404, "message_not_found")
    http.room("other")
    _assert_error(edit(http.member("other"), {"message": "x"}), 403, "forbidden")
    world.clock.advance(seconds=60, ms=1)
    _assert_error(edit(guest, {"message": "late"}), 403, "edit_window_closed")
    [row] = world.store_factory.store.messages["lobby"]
    assert world.cipher.decrypt(row.ciphertext) == b"kept" and row.edited_at_ms is None


@covered.success("room_overview")
def test_room_overview_shows_settings_members_and_count(http: Http, world: World) -> None:
    admin = http.room()
    _post(http, admin)
    user = _user(http)
    http.call(
        "join_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD},
        token=user["access_token"],
    )
    creator = world.tokens.verify_room_token(admin).user_id

    got = http.call("room_overview", path={"room_id": "lobby"}, token=admin)

    assert got.status == 200
    body = got.body
    assert (body["room_id"], body["created_by"], body["message_count"]) == ("lobby", creator, 1)
    assert body["settings"] == {"message_limit": None, "ip_policy": "off"}
    assert (body["verified_ips"], body["pending_ips"]) == ([], [])
    roles = {m["user_id"]: (m["username"], m["role"]) for m in body["members"]}
    assert roles[user["user_id"]] == ("alice", "member")
    assert roles[creator][1] == "admin"
    assert all(m["joined_at"].endswith("Z") for m in body["members"])


@covered.refusal("room_overview")
def test_room_overview_is_for_admins_only(http: Http) -> None:
    http.room()
    refused = http.call("room_overview", path={"room_id": "lobby"}, token=http.member())
    _assert_error(refused, 403, "admin_required")


@covered.success("update_settings")
def test_update_settings_changes_the_limit_and_the_password(http: Http, world: World) -> None:
    admin = http.room()
    guest = http.member()
    room = world.store_factory.store.rooms["lobby"]

    changed = http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"message_limit": 500, "password": "a new password"},
        token=admin,
    )

    assert (changed.status, changed.body) == (
        200,
        {
            "room_id": "lobby",
            "settings": {"message_limit": 500, "ip_policy": "off"},
            "password_changed": True,
        },
    )
    after = world.store_factory.store.rooms["lobby"]
    assert after.settings.message_limit == 500
    assert after.password_version == room.password_version + 1
    assert changed.events == [
        RoomTokensRevoked("lobby", room.incarnation, after.password_version, after.admin_version)
    ]
    # The guest's token died with the old password; the admin token did not.
    _assert_error(
        http.call("list_messages", path={"room_id": "lobby"}, token=guest), 401, "unauthorized"
    )
    assert http.call("list_messages", path={"room_id": "lobby"}, token=admin).status == 200
    old = http.call("verify_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD})
    _assert_error(old, 401, "bad_password")
    new = http.call(
        "verify_room", path={"room_id": "lobby"}, json_body={"password": "a new password"}
    )
    assert new.status == 200
    # null keeps every message again; a limit alone revokes nothing.
    cleared = http.call(
        "update_settings", path={"room_id": "lobby"}, json_body={"message_limit": None}, token=admin
    )
    assert cleared.body["settings"]["message_limit"] is None and cleared.events == []


@covered.refusal("update_settings")
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"message_limit": -1}, 400, "invalid_message_limit"),
        ({"message_limit": "ten"}, 400, "invalid_field"),
        ({"password": "short"}, 400, "invalid_password"),
        ({"ip": "1.2.3.4"}, 400, "unexpected_field"),
    ],
)
def test_update_settings_refuses_bad_values_and_changes_nothing(
    http: Http, world: World, body: dict[str, Any], status: int, code: str
) -> None:
    admin = http.room()
    before = world.store_factory.store.rooms["lobby"]
    refused = http.call("update_settings", path={"room_id": "lobby"}, json_body=body, token=admin)
    _assert_error(refused, status, code)
    assert world.store_factory.store.rooms["lobby"] == before


@covered.refusal("update_settings")
def test_update_settings_refuses_a_member_before_hashing(http: Http, world: World) -> None:
    http.room()
    hashed = world.hasher.hash_calls
    refused = http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"password": "a new password"},
        token=http.member(),
    )
    _assert_error(refused, 403, "admin_required")
    assert world.hasher.hash_calls == hashed


@covered.success("rotate_admin_token")
def test_rotating_the_admin_token_revokes_the_old_one(http: Http, world: World) -> None:
    admin = http.room()
    member_admin = _admin_member(http)
    guest = http.member()

    rotated = http.call("rotate_admin_token", path={"room_id": "lobby"}, token=admin)

    assert rotated.status == 200 and rotated.body["expires_in"] == 30 * 24 * 3600
    new = rotated.body["admin_token"]
    room = world.store_factory.store.rooms["lobby"]
    assert room.admin_version == 2
    assert rotated.events == [
        RoomTokensRevoked("lobby", room.incarnation, room.password_version, 2)
    ]
    _assert_error(
        http.call("room_overview", path={"room_id": "lobby"}, token=admin), 401, "unauthorized"
    )
    for still in (new, member_admin):
        assert http.call("room_overview", path={"room_id": "lobby"}, token=still).status == 200
    assert http.call("list_messages", path={"room_id": "lobby"}, token=guest).status == 200


@covered.refusal("rotate_admin_token")
def test_rotating_the_admin_token_is_for_the_owner_only(http: Http, world: World) -> None:
    http.room()
    refused = http.call("rotate_admin_token", path={"room_id": "lobby"}, token=http.member())
    _assert_error(refused, 403, "admin_required")
    co_admin = http.call("rotate_admin_token", path={"room_id": "lobby"}, token=_admin_member(http))
    _assert_error(co_admin, 403, "owner_required")
    assert world.store_factory.store.rooms["lobby"].admin_version == 1


@covered.success("transfer_owner")
def test_the_owner_hands_the_room_to_a_member_who_becomes_an_admin(
    http: Http, world: World
) -> None:
    admin = http.room()
    creator = world.store_factory.store.rooms["lobby"].created_by
    token, user_id = _room_guest(http)

    handed = http.call(
        "transfer_owner", path={"room_id": "lobby"}, json_body={"user_id": user_id}, token=admin
    )

    assert (handed.status, handed.body) == (
        200,
        {"room_id": "lobby", "owner": user_id, "previous": creator},
    )
    assert handed.events == [RoleChanged("lobby", user_id, Role.ADMIN)]
    overview = http.call("room_overview", path={"room_id": "lobby"}, token=token)
    assert (overview.body["owner"], overview.body["created_by"]) == (user_id, creator)
    # The previous owner is a co-admin now: the new owner may put it out.
    _assert_error(_act(http, "demote", user_id, admin), 403, "owner_protected")
    assert _act(http, "demote", creator, token).status == 200


@covered.refusal("transfer_owner")
def test_only_the_owner_hands_the_room_on_and_only_to_a_member(http: Http, world: World) -> None:
    admin = http.room()
    _, user_id = _room_guest(http)
    co_admin = _admin_member(http)
    path = {"room_id": "lobby"}
    taken = http.call("transfer_owner", path=path, json_body={"user_id": user_id}, token=co_admin)
    _assert_error(taken, 403, "owner_required")
    missing = http.call("transfer_owner", path=path, json_body={"user_id": "u_nobody"}, token=admin)
    _assert_error(missing, 404, "member_not_found")
    room = world.store_factory.store.rooms["lobby"]
    assert room.owner == room.created_by


# -- roles: promote, demote, kick, ban, unban ------------------------------------------------


def _act(http: Http, action: str, user_id: str, token: str | None) -> Answered:
    return http.call(
        f"{action}_member", path={"room_id": "lobby"}, json_body={"user_id": user_id}, token=token
    )


def _room_guest(http: Http, address: str = "") -> tuple[str, str]:
    """A guest of the lobby bought from `address`: its token and user id."""
    route = BY_ENDPOINT["verify_room"]
    headers = Headers({"Content-Type": JSON})
    body = json.dumps({"password": PASSWORD}).encode()
    request = HttpRequest("POST", {"room_id": "lobby"}, {}, headers, body, client=address)
    answer = http_api.answer(http.base.deps, route, request)
    assert isinstance(answer, HttpResponse) and answer.status == 200, answer.body
    assert isinstance(answer.body, dict)
    return str(answer.body["token"]), str(answer.body["user_id"])


@covered.success("promote_member")
@covered.success("demote_member")
def test_a_promoted_guest_administers_until_demoted(http: Http, world: World) -> None:
    admin = http.room()
    token, user_id = _room_guest(http)
    assert http.call("room_overview", path={"room_id": "lobby"}, token=token).status == 403

    promoted = _act(http, "promote", user_id, admin)

    assert (promoted.status, promoted.body) == (
        200,
        {
            "room_id": "lobby",
            "user_id": user_id,
            "role": "admin",
            "standing": "active",
            "until": None,
        },
    )
    assert promoted.events == [RoleChanged("lobby", user_id, Role.ADMIN)]
    assert promoted.emits == [
        Emit(
            "role_changed", {"room": "lobby", "user_id": user_id, "role": "admin"}, channel("lobby")
        )
    ]
    assert http.call("room_overview", path={"room_id": "lobby"}, token=token).status == 200
    demoted = _act(http, "demote", user_id, admin)
    assert (demoted.status, demoted.body["role"]) == (200, "member")
    _assert_error(
        http.call("room_overview", path={"room_id": "lobby"}, token=token), 403, "admin_required"
    )


@covered.refusal("promote_member")
@covered.refusal("demote_member")
def test_roles_change_only_for_active_members_and_never_the_creators(
    http: Http, world: World
) -> None:
    admin = http.room()
    creator = world.tokens.verify_room_token(admin).user_id
    _, user_id = _room_guest(http)
    _assert_error(_act(http, "demote", creator, admin), 403, "owner_protected")
    _assert_error(_act(http, "promote", "u_nobody", admin), 404, "member_not_found")
    _assert_error(_act(http, "promote", "not an id!", admin), 400, "invalid_user_id")
    guest, _ = _room_guest(http)
    _assert_error(_act(http, "promote", user_id, guest), 403, "admin_required")
    assert world.store_factory.store.memberships[("lobby", user_id)].role is Role.MEMBER


@covered.success("kick_member")
def test_a_kicked_guest_is_out_until_the_kick_ends(http: Http, world: World) -> None:
    admin = http.room()
    token, user_id = _room_guest(http)

    kicked = _act(http, "kick", user_id, admin)

    assert kicked.status == 200 and kicked.body["standing"] == "kicked"
    assert kicked.body["until"] is not None
    assert kicked.events == [MemberRemoved("lobby", user_id, Standing.KICKED)]
    _assert_error(http.call("list_messages", path={"room_id": "lobby"}, token=token), 403, "kicked")
    _assert_error(
        http.call(
            "post_message",
            path={"room_id": "lobby"},
            json_body={"message": "let me in"},
            token=token,
        ),
        403,
        "kicked",
    )
    world.clock.advance(seconds=world.deps.config.kick_s)
    assert http.call("list_messages", path={"room_id": "lobby"}, token=token).status == 200


@covered.refusal("kick_member")
def test_kicking_needs_an_active_member_and_spares_the_creator(http: Http, world: World) -> None:
    admin = http.room()
    creator = world.tokens.verify_room_token(admin).user_id
    _assert_error(_act(http, "kick", creator, admin), 403, "owner_protected")
    _assert_error(_act(http, "kick", "g_nobody", admin), 404, "member_not_found")
    assert world.store_factory.store.memberships[("lobby", creator)].role is Role.ADMIN


@covered.success("ban_member")
@covered.success("unban_member")
def test_a_banned_guest_cannot_buy_its_way_back_from_its_address_until_unbanned(
    http: Http, world: World
) -> None:
    admin = http.room()
    token, user_id = _room_guest(http, address="203.0.113.7")

    banned = _act(http, "ban", user_id, admin)

    assert banned.status == 200 and banned.body["standing"] == "banned"
    assert banned.events == [MemberRemoved("lobby", user_id, Standing.BANNED)]
    _assert_error(http.call("list_messages", path={"room_id": "lobby"}, token=token), 403, "banned")
    hashed = world.hasher.verify_calls
    with pytest.raises(AssertionError):
        _room_guest(http, address="203.0.113.7")  # the same address, the right password: no
    assert world.hasher.verify_calls == hashed  # refused before any hashing
    _room_guest(http, address="198.51.100.1")  # another address: yes

    unbanned = _act(http, "unban", user_id, admin)

    assert (unbanned.status, unbanned.body["standing"], unbanned.body["role"]) == (
        200,
        None,
        None,
    )
    _room_guest(http, address="203.0.113.7")


@covered.refusal("ban_member")
@covered.refusal("unban_member")
def test_ban_and_unban_refusals(http: Http, world: World) -> None:
    admin = http.room()
    creator = world.tokens.verify_room_token(admin).user_id
    guest, user_id = _room_guest(http)
    _assert_error(_act(http, "ban", creator, admin), 403, "owner_protected")
    _assert_error(_act(http, "ban", user_id, guest), 403, "admin_required")
    _assert_error(_act(http, "unban", user_id, admin), 404, "member_not_found")
    assert http.call("list_messages", path={"room_id": "lobby"}, token=guest).status == 200


def test_a_user_can_be_banned_before_it_ever_joins(http: Http) -> None:
    admin = http.room()
    user = _user(http)
    banned = _act(http, "ban", user["user_id"], admin)
    assert banned.status == 200
    joined = http.call(
        "join_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD},
        token=user["access_token"],
    )
    _assert_error(joined, 403, "banned")


# -- a room created by a signed-in user --------------------------------------------------------


@covered.success("create_room")
def test_a_user_who_creates_a_room_administers_it_with_its_own_token(
    http: Http, world: World
) -> None:
    user = _user(http)
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
    _assert_error(http.call("create_room", json_body=body, token=admin), 403, "forbidden")
    _assert_error(http.call("create_room", json_body=body, token="garbage"), 401, "unauthorized")
    assert "lobby" not in world.store_factory.store.rooms


# -- the admin password -----------------------------------------------------------------------

ADMIN_PASSWORD = "the admins' own one"  # noqa: S105 - test data


def _room_with_admin_password(http: Http) -> str:
    made = http.call(
        "create_room",
        json_body={"room_id": "lobby", "password": PASSWORD, "admin_password": ADMIN_PASSWORD},
    )
    assert made.status == 201, made.body
    return str(made.body["admin_token"])


def test_the_admin_password_proves_admin_without_a_token(http: Http, world: World) -> None:
    _room_with_admin_password(http)
    room = world.store_factory.store.rooms["lobby"]
    assert room.admin_password_hash is not None
    assert room.admin_password_hash.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in room.admin_password_hash
    http.call(
        "post_message", path={"room_id": "lobby"}, json_body={"message": "x"}, token=http.member()
    )
    cleared = http.call(
        "clear_history", path={"room_id": "lobby"}, json_body={"admin_password": ADMIN_PASSWORD}
    )
    assert (cleared.status, cleared.body["cleared"]) == (200, 1)
    # The join password is not the admin password, and a wrong one is refused.
    for wrong in (PASSWORD, "not it at all"):
        refused = http.call(
            "clear_history", path={"room_id": "lobby"}, json_body={"admin_password": wrong}
        )
        _assert_error(refused, 401, "bad_password")
    # Neither a token nor a password: 401.
    _assert_error(http.call("clear_history", path={"room_id": "lobby"}), 401, "unauthorized")


def test_a_room_without_an_admin_password_refuses_every_one(http: Http, world: World) -> None:
    http.room()
    verified = world.hasher.verify_calls
    refused = http.call(
        "rotate_admin_token", path={"room_id": "lobby"}, json_body={"admin_password": PASSWORD}
    )
    _assert_error(refused, 401, "bad_password")
    assert world.hasher.verify_calls == verified
    assert world.store_factory.store.rooms["lobby"].admin_version == 1


def test_the_admin_password_must_differ_from_the_join_password(http: Http, world: World) -> None:
    same = http.call(
        "create_room",
        json_body={"room_id": "lobby", "password": PASSWORD, "admin_password": PASSWORD},
    )
    _assert_error(same, 400, "invalid_password")
    assert world.store_factory.store.rooms == {}
    admin = _room_with_admin_password(http)
    before = world.store_factory.store.rooms["lobby"]
    to_admins = http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"password": ADMIN_PASSWORD},
        token=admin,
    )
    _assert_error(to_admins, 400, "invalid_password")
    assert world.store_factory.store.rooms["lobby"] == before


def test_an_admin_password_of_one_room_proves_nothing_of_another(http: Http) -> None:
    _room_with_admin_password(http)
    http.room("other")
    refused = http.call(
        "delete_room", json_body={"room_id": "other", "admin_password": ADMIN_PASSWORD}
    )
    _assert_error(refused, 401, "bad_password")


# -- IP verification ------------------------------------------------------------------------

HOME = "203.0.113.7"  # the admin's address in these tests
OFFICE = "198.51.100.0/24"


def _ip(http: Http, endpoint: str, ip: str, token: str | None) -> Answered:
    return http.call(endpoint, json_body={"room_id": "lobby", "ip": ip}, token=token, client=HOME)


def _policy(http: Http, policy: str, token: str) -> Answered:
    return http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"ip_policy": policy},
        token=token,
        client=HOME,
    )


@covered.success("verify_ip")
@covered.success("revoke_ip")
def test_verified_networks_are_listed_and_revoked(http: Http, world: World) -> None:
    admin = http.room()
    verified = _ip(http, "verify_ip", OFFICE, admin)
    assert (verified.status, verified.body) == (
        200,
        {"room_id": "lobby", "ip_policy": "off", "verified_ips": [OFFICE], "pending_ips": []},
    )
    assert _ip(http, "verify_ip", "2001:db8:1::/48", admin).status == 200
    single = _ip(http, "verify_ip", "::ffff:192.0.2.1", admin)  # one spelling: unmapped
    assert single.body["verified_ips"] == ["192.0.2.1/32", OFFICE, "2001:db8:1::/48"]
    revoked = _ip(http, "revoke_ip", OFFICE, admin)
    assert revoked.status == 200
    assert revoked.body["verified_ips"] == ["192.0.2.1/32", "2001:db8:1::/48"]


@covered.refusal("verify_ip")
@pytest.mark.parametrize(
    ("ip", "code"),
    [
        ("10.0.0.0/8", "range_too_wide"),
        ("2001:db8::/32", "range_too_wide"),
        ("10.0.0.1/24", "invalid_address"),  # host bits set
        ("not an address", "invalid_address"),
        ("10.0.0.0/33", "invalid_address"),
        ("", "invalid_address"),
    ],
)
def test_verify_ip_refuses_what_is_not_a_narrow_enough_network(
    http: Http, world: World, ip: str, code: str
) -> None:
    admin = http.room()
    _assert_error(_ip(http, "verify_ip", ip, admin), 400, code)
    assert world.store_factory.store.networks.get("lobby", {}) == {}


@covered.refusal("revoke_ip")
def test_revoke_ip_refuses_an_unlisted_network_and_a_non_admin(http: Http) -> None:
    admin = http.room()
    _assert_error(_ip(http, "revoke_ip", OFFICE, admin), 404, "network_not_found")
    _ip(http, "verify_ip", OFFICE, admin)
    _assert_error(_ip(http, "revoke_ip", OFFICE, http.member()), 403, "admin_required")


def test_allow_lets_a_verified_address_in_without_the_password(http: Http) -> None:
    admin = http.room()
    _ip(http, "verify_ip", OFFICE, admin)
    no_password = {"username": "desk"}
    path = {"room_id": "lobby"}
    # `off`: a password is needed, from anywhere.
    refused = http.call("verify_room", path=path, json_body=no_password, client="198.51.100.9")
    _assert_error(refused, 401, "bad_password")
    assert _policy(http, "allow", admin).status == 200
    got = http.call("verify_room", path=path, json_body=no_password, client="198.51.100.9")
    assert got.status == 200 and got.body["username"] == "desk"
    outside = http.call("verify_room", path=path, json_body=no_password, client="192.0.2.50")
    _assert_error(outside, 403, "ip_not_verified")
    # The password still works from anywhere under `allow`.
    with_password = http.call(
        "verify_room", path=path, json_body={"password": PASSWORD}, client="192.0.2.50"
    )
    assert with_password.status == 200


def test_require_wants_a_verified_address_for_every_request_and_records_pending(
    http: Http, world: World
) -> None:
    http.room()
    owner = world.store_factory.store.rooms["lobby"].owner
    admin = _admin_member(http)  # a co-admin: `require` applies to it
    guest = http.member()
    path = {"room_id": "lobby"}
    # Switching would lock the co-admin out until its own address is verified.
    _assert_error(_policy(http, "require", admin), 403, "ip_not_verified")
    _ip(http, "verify_ip", f"{HOME}/32", admin)
    switched = _policy(http, "require", admin)
    assert switched.status == 200 and switched.body["settings"]["ip_policy"] == "require"
    assert switched.events == [AddressesNarrowed("lobby", (f"{HOME}/32",), owner)]

    # Tokens included: the guest's, from an unverified address, is refused.
    stranger = "192.0.2.50"
    for endpoint, body in (("list_messages", None), ("post_message", {"message": "hi"})):
        refused = http.call(endpoint, path=path, json_body=body, token=guest, client=stranger)
        _assert_error(refused, 403, "ip_not_verified")
    assert http.call("list_messages", path=path, token=guest, client=HOME).status == 200
    # The right password from a new address: refused, and pending for the admins.
    bought = http.call("verify_room", path=path, json_body={"password": PASSWORD}, client=stranger)
    _assert_error(bought, 403, "ip_not_verified")
    overview = http.call("room_overview", path=path, token=admin, client=HOME)
    assert overview.body["pending_ips"] == [f"{stranger}/32"]
    # A wrong password from anywhere records nothing.
    wrong = http.call(
        "verify_room", path=path, json_body={"password": "nope nope"}, client="192.0.2.51"
    )
    _assert_error(wrong, 401, "bad_password")
    # Verifying the range takes the pending address with it; then it gets in.
    _ip(http, "verify_ip", "192.0.2.0/24", admin)
    overview = http.call("room_overview", path=path, token=admin, client=HOME)
    assert overview.body["pending_ips"] == []
    again = http.call("verify_room", path=path, json_body={"password": PASSWORD}, client=stranger)
    assert again.status == 200
    # Revoking your own address under `require` would lock you out.
    _assert_error(_ip(http, "revoke_ip", f"{HOME}/32", admin), 403, "ip_not_verified")


# -- the table ------------------------------------------------------------------------------


def test_a_view_that_raises_is_a_500_not_a_traceback(
    http: Http, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_: object) -> HttpResponse:
        raise RuntimeError("boom")

    route = dataclasses.replace(BY_ENDPOINT["list_messages"], view=explode)
    headers = Headers({"Authorization": f"Bearer {http.room()}"})
    request = HttpRequest("GET", {"room_id": "lobby"}, {}, headers)
    with caplog.at_level("ERROR", logger="securechat.http"):
        answer = http_api.answer(http.base.deps, route, request)
    assert isinstance(answer, HttpResponse)
    assert (answer.status, answer.body["code"]) == (500, "internal_error")
    assert "unhandled error in list_messages" in caplog.text


def test_every_route_has_a_direct_test_of_its_success_and_of_a_refusal() -> None:
    assert [r.endpoint for r in ROUTES] == list(BY_ENDPOINT), "endpoint names must be unique"
    assert covered.gaps(BY_ENDPOINT) == []
