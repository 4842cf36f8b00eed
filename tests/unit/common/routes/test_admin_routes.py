"""routes_admin.py's room entries, called directly: delete, clear, overview, settings, the
admin token, the owner, and the admin password that may stand for a token."""

from __future__ import annotations

from typing import Any

import pytest

from domain.model.events import HistoryCleared, RoleChanged, RoomDeleted, RoomTokensRevoked
from domain.model.members import Role
from domain.model.sessions import EndReason
from entrypoints.common.socket_events import Emit, channel
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import (
    Http,
    act_on,
    admin_member_token,
    assert_error,
    covered,
    lobby_guest,
    post_text,
    registered_user,
)


@covered.success("delete_room")
def test_delete_room_removes_everything_and_tells_the_room(http: Http, world: World) -> None:
    admin = http.room()
    post_text(http, admin)
    incarnation = world.store_factory.store.rooms["lobby"].incarnation

    deleted = http.call("delete_room", json_body={"room_id": "lobby"}, token=admin)

    assert (deleted.status, deleted.body) == (200, {"room_id": "lobby", "deleted": True})
    store = world.store_factory.store
    assert "lobby" not in store.rooms and "lobby" not in store.messages
    assert [key for key in store.memberships if key[0] == "lobby"] == []
    assert deleted.events == [RoomDeleted("lobby", incarnation)]
    assert deleted.emits == [
        Emit("room_deleted", {"room": "lobby", "reason": "room_deleted"}, channel("lobby"))
    ]
    # The admin token died with the room, and opens nothing of a new room of that id.
    assert_error(
        http.call("delete_room", json_body={"room_id": "lobby"}, token=admin), 401, "unauthorized"
    )
    http.room()
    assert_error(
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
        assert_error(refused, status, code)
    assert "lobby" in world.store_factory.store.rooms


@covered.success("clear_history")
def test_clear_history_deletes_every_message(http: Http, world: World) -> None:
    admin = http.room()
    for text in ("one", "two"):
        post_text(http, admin, text)

    cleared = http.call("clear_history", path={"room_id": "lobby"}, token=admin)

    assert (cleared.status, cleared.body) == (200, {"room_id": "lobby", "cleared": 2})
    assert world.store_factory.store.messages.get("lobby", []) == []
    # The third change of the room's stream: its two messages were the first two.
    assert cleared.events == [
        HistoryCleared("lobby", 2, 3, world.store_factory.store.rooms["lobby"].incarnation)
    ]
    data = {
        "room": "lobby",
        "offset": 3,
        "epoch": world.store_factory.store.rooms["lobby"].incarnation,
    }
    assert cleared.emits == [Emit("history_cleared", data, channel("lobby"))]


@covered.refusal("clear_history")
def test_clear_history_refuses_a_guest_and_a_plain_member(http: Http, world: World) -> None:
    admin = http.room()
    post_text(http, admin)
    member = registered_user(http)["access_token"]
    http.call(
        "join_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD}, token=member
    )
    for token in (http.member(), member):
        refused = http.call("clear_history", path={"room_id": "lobby"}, token=token)
        assert_error(refused, 403, "admin_required")
    assert len(world.store_factory.store.messages["lobby"]) == 1


@covered.success("room_overview")
def test_room_overview_shows_settings_members_and_count(http: Http, world: World) -> None:
    admin = http.room()
    post_text(http, admin)
    user = registered_user(http)
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
    assert_error(refused, 403, "admin_required")


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
    assert_error(
        http.call("list_messages", path={"room_id": "lobby"}, token=guest), 401, "unauthorized"
    )
    assert http.call("list_messages", path={"room_id": "lobby"}, token=admin).status == 200
    old = http.call("verify_room", path={"room_id": "lobby"}, json_body={"password": PASSWORD})
    assert_error(old, 401, "bad_password")
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
    assert_error(refused, status, code)
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
    assert_error(refused, 403, "admin_required")
    assert world.hasher.hash_calls == hashed


@covered.success("rotate_admin_token")
def test_rotating_the_admin_token_revokes_the_old_one(http: Http, world: World) -> None:
    admin = http.room()
    member_admin = admin_member_token(http)
    guest = http.member()

    rotated = http.call("rotate_admin_token", path={"room_id": "lobby"}, token=admin)

    assert rotated.status == 200 and rotated.body["expires_in"] == 30 * 24 * 3600
    new = rotated.body["admin_token"]
    room = world.store_factory.store.rooms["lobby"]
    assert room.admin_version == 2
    assert rotated.events == [
        RoomTokensRevoked(
            "lobby", room.incarnation, room.password_version, 2, EndReason.ADMIN_TOKEN_ROTATED
        )
    ]
    assert_error(
        http.call("room_overview", path={"room_id": "lobby"}, token=admin), 401, "unauthorized"
    )
    for still in (new, member_admin):
        assert http.call("room_overview", path={"room_id": "lobby"}, token=still).status == 200
    assert http.call("list_messages", path={"room_id": "lobby"}, token=guest).status == 200


@covered.refusal("rotate_admin_token")
def test_rotating_the_admin_token_is_for_the_owner_only(http: Http, world: World) -> None:
    http.room()
    refused = http.call("rotate_admin_token", path={"room_id": "lobby"}, token=http.member())
    assert_error(refused, 403, "admin_required")
    co_admin = http.call(
        "rotate_admin_token", path={"room_id": "lobby"}, token=admin_member_token(http)
    )
    assert_error(co_admin, 403, "owner_required")
    assert world.store_factory.store.rooms["lobby"].admin_version == 1


@covered.success("transfer_owner")
def test_the_owner_hands_the_room_to_a_member_who_becomes_an_admin(
    http: Http, world: World
) -> None:
    admin = http.room()
    creator = world.store_factory.store.rooms["lobby"].created_by
    token, user_id = lobby_guest(http)

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
    assert_error(act_on(http, "demote", user_id, admin), 403, "owner_protected")
    assert act_on(http, "demote", creator, token).status == 200


@covered.refusal("transfer_owner")
def test_only_the_owner_hands_the_room_on_and_only_to_a_member(http: Http, world: World) -> None:
    admin = http.room()
    _, user_id = lobby_guest(http)
    co_admin = admin_member_token(http)
    path = {"room_id": "lobby"}
    taken = http.call("transfer_owner", path=path, json_body={"user_id": user_id}, token=co_admin)
    assert_error(taken, 403, "owner_required")
    missing = http.call("transfer_owner", path=path, json_body={"user_id": "u_nobody"}, token=admin)
    assert_error(missing, 404, "member_not_found")
    room = world.store_factory.store.rooms["lobby"]
    assert room.owner == room.created_by


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
        assert_error(refused, 401, "bad_password")
    # Neither a token nor a password: 401.
    assert_error(http.call("clear_history", path={"room_id": "lobby"}), 401, "unauthorized")


def test_a_room_without_an_admin_password_refuses_every_one(http: Http, world: World) -> None:
    http.room()
    verified = world.hasher.verify_calls
    refused = http.call(
        "rotate_admin_token", path={"room_id": "lobby"}, json_body={"admin_password": PASSWORD}
    )
    assert_error(refused, 401, "bad_password")
    assert world.hasher.verify_calls == verified
    assert world.store_factory.store.rooms["lobby"].admin_version == 1


def test_the_admin_password_must_differ_from_the_join_password(http: Http, world: World) -> None:
    same = http.call(
        "create_room",
        json_body={"room_id": "lobby", "password": PASSWORD, "admin_password": PASSWORD},
    )
    assert_error(same, 400, "invalid_password")
    assert world.store_factory.store.rooms == {}
    admin = _room_with_admin_password(http)
    before = world.store_factory.store.rooms["lobby"]
    to_admins = http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"password": ADMIN_PASSWORD},
        token=admin,
    )
    assert_error(to_admins, 400, "invalid_password")
    assert world.store_factory.store.rooms["lobby"] == before


def test_an_admin_password_of_one_room_proves_nothing_of_another(http: Http) -> None:
    _room_with_admin_password(http)
    http.room("other")
    refused = http.call(
        "delete_room", json_body={"room_id": "other", "admin_password": ADMIN_PASSWORD}
    )
    assert_error(refused, 401, "bad_password")
