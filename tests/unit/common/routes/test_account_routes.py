"""routes_accounts.py's entries, called directly: accounts and guest profiles."""

from __future__ import annotations

import dataclasses
from typing import Any

from domain.model.events import FamilyRevoked
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import BY_ENDPOINT, Http, assert_error, covered

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
    assert_error(again, 409, "username_taken")
    assert len(world.store_factory.store.users) == 1
    short = http.call("register", json_body={**ACCOUNT, "username": "bob", "password": "x"})
    assert_error(short, 400, "invalid_password")


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
    assert_error(wrong, 401, "invalid_credentials")
    assert_error(unknown, 401, "invalid_credentials")
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
    assert_error(dataclasses.replace(replay, events=[]), 401, "invalid_refresh_token")
    after = http.call("refresh", json_body={"refresh_token": newer["refresh_token"]})
    assert_error(after, 401, "invalid_refresh_token")
    assert_error(
        http.call("refresh", json_body={"refresh_token": "made-up"}), 401, "invalid_refresh_token"
    )


@covered.success("logout")
def test_logout_revokes_the_sign_in(http: Http) -> None:
    first = _registered(http)
    got = http.call("logout", json_body={"refresh_token": first["refresh_token"]})
    assert (got.status, got.body) == (200, {"revoked": True})
    assert [type(e) for e in got.events] == [FamilyRevoked] and got.emits == []
    again = http.call("refresh", json_body={"refresh_token": first["refresh_token"]})
    assert_error(again, 401, "invalid_refresh_token")


@covered.refusal("logout")
def test_logout_refuses_what_is_not_a_refresh_token(http: Http) -> None:
    _registered(http)
    assert_error(
        http.call("logout", json_body={"refresh_token": "x"}), 401, "invalid_refresh_token"
    )
    assert_error(http.call("logout", json_body={"token": "x"}), 400, "unexpected_field")


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
        assert_error(http.call("create_profile", json_body=body), status, code)
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
    assert_error(http.call("get_profile", path={"user_id": "nobody"}), 404, "profile_not_found")
    got = http.call("get_profile", path={"user_id": "nobody"}, query={"x": "1"})
    assert_error(got, 400, "invalid_query")


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
        assert_error(got, status, code)
    own = account["access_token"]
    for body, status, code in (
        ({"username": "<b>fox</b>"}, 409, "username_taken"),
        ({"avatar": "ftp://x"}, 400, "invalid_avatar"),
        ({"user_id": "fox"}, 400, "unexpected_field"),
    ):
        path = {"user_id": account["user_id"]}
        got = http.call("update_profile", path=path, json_body=body, token=own)
        assert_error(got, status, code)
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
        assert_error(got, 409, "username_taken")
    assert world.store_factory.store.profiles == before
