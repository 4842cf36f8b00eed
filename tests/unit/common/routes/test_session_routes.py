"""POST /session/start, /session/resume and /session/end, called directly: a page session
resumed from its cookie, rotated on every use, a replay revoking it."""

from __future__ import annotations

from domain.model.members import Role
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import (
    Answered,
    Http,
    act_on,
    assert_error,
    covered,
    registered_user,
)

NAME = "securechat_session"


def _value(answered: Answered) -> str:
    cookie = answered.headers["Set-Cookie"]
    assert cookie.startswith(f"{NAME}=")
    return cookie.split(";", 1)[0].split("=", 1)[1]


def _start(http: Http, token: str, room_id: str = "lobby") -> Answered:
    return http.call("start_session", json_body={"room_id": room_id}, token=token)


def _resume(http: Http, value: str | None, **headers: str) -> Answered:
    cookie = {"Cookie": f"{NAME}={value}"} if value is not None else {}
    return http.call("resume_session", json_body={}, headers=cookie | headers)


@covered.success("start_session")
@covered.success("resume_session")
def test_a_guest_resumes_its_identity_and_each_cookie_is_used_once(
    http: Http, world: World
) -> None:
    http.room("lobby")
    token = http.member("lobby", "Zoë")
    guest = world.tokens.verify_room_token(token)

    started = _start(http, token)

    assert started.status == 201, started.body
    assert started.body["user_id"] == guest.user_id and started.body["username"] == "Zoë"
    cookie = started.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/session" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    resumed = _resume(http, _value(started))
    assert resumed.status == 200, resumed.body
    assert (resumed.body["user_id"], resumed.body["username"]) == (guest.user_id, "Zoë")
    assert (resumed.body["role"], resumed.body["token_kind"]) == ("member", "room")
    assert world.tokens.verify_room_token(resumed.body["token"]).user_id == guest.user_id
    assert _value(resumed) != _value(started)
    assert resumed.headers["Cache-Control"] == "no-store"
    again = _resume(http, _value(resumed))
    assert again.status == 200


@covered.success("resume_session")
def test_a_guest_creator_resumes_its_admin_token_under_the_name_it_typed(
    http: Http, world: World
) -> None:
    made = http.call(
        "create_room",
        json_body={"room_id": "lobby", "password": PASSWORD, "username": "Ada"},
    )
    assert made.status == 201 and made.body["username"] == "Ada"
    admin = world.tokens.verify_room_token(made.body["admin_token"])
    members = [m for k, m in world.store_factory.store.memberships.items() if k[0] == "lobby"]
    assert [(m.user_id, m.role) for m in members] == [(admin.user_id, Role.ADMIN)]

    resumed = _resume(http, _value(_start(http, made.body["admin_token"])))

    assert resumed.status == 200, resumed.body
    assert (resumed.body["username"], resumed.body["role"]) == ("Ada", "admin")
    claims = world.tokens.verify_room_token(resumed.body["token"])
    assert (claims.user_id, claims.role) == (admin.user_id, Role.ADMIN)


@covered.success("resume_session")
def test_an_account_resumes_its_sign_in_with_a_fresh_refresh_token(
    http: Http, world: World
) -> None:
    http.room("lobby")
    user = registered_user(http)
    joined = http.call(
        "join_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD},
        token=user["access_token"],
    )
    assert joined.status == 200

    resumed = _resume(http, _value(_start(http, user["access_token"])))

    assert resumed.status == 200, resumed.body
    assert resumed.body["token_kind"] == "user" and resumed.body["user_id"] == user["user_id"]
    refreshed = http.call("refresh", json_body={"refresh_token": resumed.body["refresh_token"]})
    assert refreshed.status == 200


@covered.refusal("resume_session")
def test_a_replayed_cookie_revokes_the_session_and_an_accounts_sign_in(
    http: Http, world: World
) -> None:
    http.room("lobby")
    user = registered_user(http)
    http.call(
        "join_room",
        path={"room_id": "lobby"},
        json_body={"password": PASSWORD},
        token=user["access_token"],
    )
    first = _value(_start(http, user["access_token"]))
    second = _value(_resume(http, first))

    replayed = _resume(http, first)

    assert replayed.status == 401 and replayed.code == "invalid_session"
    assert replayed.headers["Set-Cookie"].startswith(f"{NAME}=;")
    assert [type(e).__name__ for e in replayed.events] == ["FamilyRevoked"]
    assert_error(_resume(http, second), 401, "invalid_session")
    refused = http.call("refresh", json_body={"refresh_token": user["refresh_token"]})
    assert refused.status == 401


@covered.refusal("resume_session")
def test_resume_is_refused_without_a_cookie_to_a_kicked_guest_and_from_another_origin(
    http: Http, world: World
) -> None:
    admin = http.room("lobby")
    token = http.member("lobby")
    value = _value(_start(http, token))
    assert_error(_resume(http, None), 401, "invalid_session")
    assert_error(_resume(http, "x" * 5000), 401, "invalid_session")
    foreign = _resume(http, value, Origin="https://evil.example")
    assert_error(foreign, 403, "origin_not_allowed")
    assert_error(
        _resume(http, value, **{"Sec-Fetch-Site": "cross-site"}), 403, "origin_not_allowed"
    )
    form = http.call(
        "resume_session",
        body=b"{}",
        content_type="text/plain",
        headers={"Cookie": f"{NAME}={value}"},
    )
    assert_error(form, 400, "invalid_content_type")
    assert act_on(http, "kick", world.tokens.verify_room_token(token).user_id, admin).status == 200
    kicked = _resume(http, value)
    assert (kicked.status, kicked.code) == (403, "kicked")


@covered.refusal("start_session")
def test_start_needs_a_token_that_grants_the_room(http: Http, world: World) -> None:
    http.room("lobby")
    http.room("other")
    token = http.member("lobby")
    assert_error(http.call("start_session", json_body={"room_id": "lobby"}), 401, "unauthorized")
    assert_error(_start(http, token, "other"), 403, "forbidden")


@covered.success("end_session")
def test_end_revokes_the_session_and_clears_the_cookie(http: Http, world: World) -> None:
    http.room("lobby")
    value = _value(_start(http, http.member("lobby")))
    cookie = {"Cookie": f"{NAME}={value}"}

    ended = http.call("end_session", json_body={}, headers=cookie)

    assert (ended.status, ended.body) == (200, {"ended": True})
    assert ended.headers["Set-Cookie"].startswith(f"{NAME}=;")
    assert "Max-Age=0" in ended.headers["Set-Cookie"]
    assert_error(_resume(http, value), 401, "invalid_session")
    again = http.call("end_session", json_body={}, headers=cookie)
    assert again.body == {"ended": False}


@covered.refusal("end_session")
def test_end_is_refused_from_another_origin(http: Http, world: World) -> None:
    got = http.call("end_session", json_body={}, headers={"Origin": "http://elsewhere"})
    assert_error(got, 403, "origin_not_allowed")
