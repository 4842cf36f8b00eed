"""routes_admin.py's member actions, called directly: promote, demote, kick, ban, unban."""

from __future__ import annotations

import pytest

from domain.model.events import MemberRemoved, RoleChanged
from domain.model.members import Role, Standing
from entrypoints.common.socket_events import Emit, channel
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import (
    Http,
    act_on,
    assert_error,
    covered,
    lobby_guest,
    registered_user,
)


@covered.success("promote_member")
@covered.success("demote_member")
def test_a_promoted_guest_administers_until_demoted(http: Http, world: World) -> None:
    admin = http.room()
    token, user_id = lobby_guest(http)
    assert http.call("room_overview", path={"room_id": "lobby"}, token=token).status == 403

    promoted = act_on(http, "promote", user_id, admin)

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
    demoted = act_on(http, "demote", user_id, admin)
    assert (demoted.status, demoted.body["role"]) == (200, "member")
    assert_error(
        http.call("room_overview", path={"room_id": "lobby"}, token=token), 403, "admin_required"
    )


@covered.refusal("promote_member")
@covered.refusal("demote_member")
def test_roles_change_only_for_active_members_and_never_the_creators(
    http: Http, world: World
) -> None:
    admin = http.room()
    creator = world.tokens.verify_room_token(admin).user_id
    _, user_id = lobby_guest(http)
    assert_error(act_on(http, "demote", creator, admin), 403, "owner_protected")
    assert_error(act_on(http, "promote", "u_nobody", admin), 404, "member_not_found")
    assert_error(act_on(http, "promote", "not an id!", admin), 400, "invalid_user_id")
    guest, _ = lobby_guest(http)
    assert_error(act_on(http, "promote", user_id, guest), 403, "admin_required")
    assert world.store_factory.store.memberships[("lobby", user_id)].role is Role.MEMBER


@covered.success("kick_member")
def test_a_kicked_guest_is_out_until_the_kick_ends(http: Http, world: World) -> None:
    admin = http.room()
    token, user_id = lobby_guest(http)

    kicked = act_on(http, "kick", user_id, admin)

    assert kicked.status == 200 and kicked.body["standing"] == "kicked"
    assert kicked.body["until"] is not None
    assert kicked.events == [MemberRemoved("lobby", user_id, Standing.KICKED)]
    assert_error(http.call("list_messages", path={"room_id": "lobby"}, token=token), 403, "kicked")
    assert_error(
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
    assert_error(act_on(http, "kick", creator, admin), 403, "owner_protected")
    assert_error(act_on(http, "kick", "g_nobody", admin), 404, "member_not_found")
    assert world.store_factory.store.memberships[("lobby", creator)].role is Role.ADMIN


@covered.success("ban_member")
@covered.success("unban_member")
def test_a_banned_guest_cannot_buy_its_way_back_from_its_address_until_unbanned(
    http: Http, world: World
) -> None:
    admin = http.room()
    token, user_id = lobby_guest(http, address="203.0.113.7")

    banned = act_on(http, "ban", user_id, admin)

    assert banned.status == 200 and banned.body["standing"] == "banned"
    assert banned.events == [MemberRemoved("lobby", user_id, Standing.BANNED)]
    assert_error(http.call("list_messages", path={"room_id": "lobby"}, token=token), 403, "banned")
    hashed = world.hasher.verify_calls
    with pytest.raises(AssertionError):
        lobby_guest(http, address="203.0.113.7")  # the same address, the right password: no
    assert world.hasher.verify_calls == hashed  # refused before any hashing
    lobby_guest(http, address="198.51.100.1")  # another address: yes

    unbanned = act_on(http, "unban", user_id, admin)

    assert (unbanned.status, unbanned.body["standing"], unbanned.body["role"]) == (
        200,
        None,
        None,
    )
    lobby_guest(http, address="203.0.113.7")


@covered.refusal("ban_member")
@covered.refusal("unban_member")
def test_ban_and_unban_refusals(http: Http, world: World) -> None:
    admin = http.room()
    creator = world.tokens.verify_room_token(admin).user_id
    guest, user_id = lobby_guest(http)
    assert_error(act_on(http, "ban", creator, admin), 403, "owner_protected")
    assert_error(act_on(http, "ban", user_id, guest), 403, "admin_required")
    assert_error(act_on(http, "unban", user_id, admin), 404, "member_not_found")
    assert http.call("list_messages", path={"room_id": "lobby"}, token=guest).status == 200


def test_a_user_can_be_banned_before_it_ever_joins(http: Http) -> None:
    admin = http.room()
    user = registered_user(http)
    banned = act_on(http, "ban", user["user_id"], admin)
    assert banned.status == 200
    joined = http.call(
        "join_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD},
        token=user["access_token"],
    )
    assert_error(joined, 403, "banned")
