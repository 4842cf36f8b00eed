"""POST /chat/<room_id>/renew, called directly: a fresh room token for the same identity,
refused once the room no longer grants it or the guest session is over."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from domain.model.errors import ChatError, ErrorCode
from domain.model.members import Role
from domain.usecases.create_room import create_room
from domain.usecases.renew_session import renew_room_token
from domain.usecases.verify_room import verify_room_password
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import (
    Answered,
    Http,
    act_on,
    assert_error,
    covered,
    registered_user,
)


def _renew(http: Http, token: str | None, room_id: str = "lobby", **kwargs: Any) -> Answered:
    return http.call("renew_room_token", path={"room_id": room_id}, token=token, **kwargs)


@covered.success("renew_room_token")
def test_renew_gives_the_same_guest_a_fresh_token_in_its_session(http: Http, world: World) -> None:
    http.room("lobby")
    token = http.member("lobby", "Zoë")
    first = world.tokens.verify_room_token(token)
    world.clock.advance(seconds=600)

    got = http.call("renew_room_token", path={"room_id": "lobby"}, token=token)

    assert got.status == 200
    assert set(got.body) == {"token", "expires_in", "user_id", "username"}
    assert (got.body["user_id"], got.body["username"]) == (first.user_id, "Zoë")
    assert got.body["expires_in"] == world.deps.config.room_token_ttl_s
    renewed = world.tokens.verify_room_token(got.body["token"])
    assert renewed == dataclasses.replace(first, expires_at=first.expires_at + 600)
    assert renewed.session_start == first.session_start  # the session goes on, not anew
    assert got.events == [] and got.emits == []
    # An empty JSON object is no body at all.
    again = http.call("renew_room_token", path={"room_id": "lobby"}, token=token, json_body={})
    assert again.status == 200


@covered.refusal("renew_room_token")
def test_renew_is_refused_to_a_kicked_or_banned_guest(http: Http, world: World) -> None:
    admin = http.room("lobby")
    kicked, banned = http.member("lobby", "kim"), http.member("lobby", "ben")
    for token, action in ((kicked, "kick"), (banned, "ban")):
        user_id = world.tokens.verify_room_token(token).user_id
        assert act_on(http, action, user_id, admin).status == 200
        assert_error(_renew(http, token), 403, "kicked" if action == "kick" else "banned")


@covered.refusal("renew_room_token")
def test_renew_is_refused_after_a_new_password(http: Http, world: World) -> None:
    admin = http.room("lobby")
    token = http.member("lobby")
    changed = http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"password": "a brand new password"},
        token=admin,
    )
    assert changed.status == 200, changed.body
    assert_error(_renew(http, token), 401, "unauthorized")


@covered.refusal("renew_room_token")
def test_renew_is_refused_for_another_room_a_user_token_or_a_field(
    http: Http, world: World
) -> None:
    http.room("lobby")
    http.room("hall")
    token = http.member("lobby")
    assert_error(_renew(http, token, "hall"), 403, "forbidden")
    account = registered_user(http)["access_token"]
    assert_error(_renew(http, account), 403, "forbidden")
    assert_error(_renew(http, None), 401, "unauthorized")
    assert_error(_renew(http, token, json_body={"token": token}), 400, "unexpected_field")


@covered.refusal("renew_room_token")
def test_renew_after_the_room_was_deleted_is_refused(http: Http, world: World) -> None:
    admin = http.room("lobby")
    token = http.member("lobby")
    assert http.call("delete_room", json_body={"room_id": "lobby"}, token=admin).status == 200
    assert_error(_renew(http, token), 401, "unauthorized")


def test_a_guest_session_ends_at_its_lifetime_whatever_its_tokens(world: World) -> None:
    config = dataclasses.replace(world.deps.config, guest_session_ttl_s=120)
    deps = dataclasses.replace(world.deps, config=config)
    create_room(deps, "lobby", PASSWORD)
    access = verify_room_password(deps, "lobby", PASSWORD).value  # a one-hour token
    claims = world.tokens.verify_room_token(access.token)
    world.clock.advance(seconds=100)
    renewed = renew_room_token(deps, claims, "lobby").value
    # Not an hour on from now: no later than the session's end or the token it replaces.
    assert renewed.expires_in == 3600 - 100
    world.clock.advance(seconds=30)  # the first token lives on; the session does not
    with pytest.raises(ChatError) as caught:
        renew_room_token(deps, claims, "lobby")
    assert caught.value.code is ErrorCode.SESSION_EXPIRED


def test_an_admin_token_renews_as_an_admin_token(http: Http, world: World) -> None:
    admin = http.room("lobby")
    got = _renew(http, admin)
    assert got.status == 200
    renewed = world.tokens.verify_room_token(got.body["token"])
    assert renewed.role is Role.ADMIN
    assert renewed.expires_at >= world.tokens.verify_room_token(admin).expires_at
