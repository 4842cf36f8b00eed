"""Page sessions, on every runtime and storage: a reload resumes the room, the identity and
a creator's admin rights from an HttpOnly, SameSite=Strict cookie at Path=/session, rotated
on every use; a replayed cookie revokes the session (and an account's sign-in, whose
sockets are told); a kick, a ban or the room's deletion refuse it; another origin, or a
body that is not JSON, is refused; the cookie read from raw bytes however it is spelled."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx

from tests.contract.client import PASSWORD, Api, Room, assert_error, new_room_id, receive_until
from tests.contract.harness import ServerProcess
from tests.contract.wire import http_request

NAME = "securechat_session"
ACCOUNT_PASSWORD = "a long enough password"  # noqa: S105 - test data


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _value(response: httpx.Response) -> str:
    [cookie] = response.headers.get_list("set-cookie")
    name, _, rest = cookie.partition("=")
    assert name == NAME, cookie
    return rest.split(";", 1)[0]


def _attributes(response: httpx.Response) -> set[str]:
    [cookie] = response.headers.get_list("set-cookie")
    return {part.strip() for part in cookie.split(";")[1:]}


def _post(api: Api, path: str, body: Any = None, **headers: str) -> httpx.Response:
    """A request of its own, outside any cookie jar: the test says what is sent."""
    return httpx.post(
        api.base_url + path, json={} if body is None else body, headers=headers, timeout=10
    )


def _start(api: Api, token: str, room_id: str) -> httpx.Response:
    started = _post(api, "/session/start", {"room_id": room_id}, **_bearer(token))
    assert started.status_code == 201, started.text
    return started


def _resume(api: Api, value: str, **headers: str) -> httpx.Response:
    return _post(api, "/session/resume", Cookie=f"{NAME}={value}", **headers)


def _refused(response: httpx.Response, status: int, code: str) -> None:
    """Refused, and the cookie cleared: nothing left to resume with it."""
    assert_error(response, status, code)
    assert _value(response) == "" and "Max-Age=0" in _attributes(response)


def test_a_reload_resumes_a_guest_as_itself_with_a_cookie_the_page_cannot_read(
    api: Api,
) -> None:
    room = api.create_room()
    guest = api.verify(room, username="Zoë")
    posted = api.post(room.room_id, guest["token"], "before the reload")
    assert posted.status_code == 201, posted.text

    started = _start(api, guest["token"], room.room_id)

    attributes = _attributes(started)
    assert {"HttpOnly", "SameSite=Strict", "Path=/session"} <= attributes
    assert "Secure" not in attributes  # plain HTTP, no trusted proxy saying otherwise
    assert any(a.startswith("Max-Age=") and int(a[8:]) > 0 for a in attributes)
    assert started.headers["cache-control"] == "no-store"
    resumed = _resume(api, _value(started))
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert (body["room_id"], body["user_id"], body["username"]) == (
        room.room_id,
        guest["user_id"],
        "Zoë",
    )
    assert (body["role"], body["token_kind"], body["guest"]) == ("member", "room", True)
    assert body["refresh_token"] is None
    # The same identity: its own earlier message is still its own to delete.
    message_id = posted.json()["message_id"]
    deleted = api.http.delete(
        f"/chat/{room.room_id}/messages/{message_id}", headers=_bearer(body["token"])
    )
    assert deleted.status_code == 200, deleted.text


def test_a_creator_is_one_admin_member_named_as_typed_and_resumes_its_admin_rights(
    api: Api,
) -> None:
    room_id = new_room_id()
    made = api.http.post(
        "/room/create", json={"room_id": room_id, "password": PASSWORD, "username": "Ada"}
    )
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["username"] == "Ada" and created["user_id"].startswith("g_")
    admin_token = created["admin_token"]
    client = api.socket(admin_token)
    try:
        ack = client.call("join", {"room": room_id}, timeout=5)
        assert ack["ok"] is True, ack
        # One member: the creator, under its own name (no anonymous owner beside it).
        overview = api.http.get(f"/admin/rooms/{room_id}", headers=_bearer(admin_token))
        assert overview.status_code == 200, overview.text
        members = [(m["user_id"], m["username"]) for m in overview.json()["members"]]
        assert members == [(created["user_id"], "Ada")]
        present = api.http.get(f"/chat/{room_id}/presence", headers=_bearer(admin_token))
        assert [(u["user_id"], u["username"]) for u in present.json()["users"]] == [
            (created["user_id"], "Ada")
        ]
    finally:
        client.disconnect()

    resumed = _resume(api, _value(_start(api, admin_token, room_id)))

    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert (body["user_id"], body["username"], body["role"]) == (created["user_id"], "Ada", "admin")
    # Its admin rights came back: an admin route answers the resumed token.
    overview = api.http.get(f"/admin/rooms/{room_id}", headers=_bearer(body["token"]))
    assert overview.status_code == 200, overview.text


def test_each_cookie_is_spent_once_and_a_replay_revokes_the_session(api: Api) -> None:
    room = api.create_room()
    guest = api.verify(room)
    first = _value(_start(api, guest["token"], room.room_id))
    rotated = _resume(api, first)
    assert rotated.status_code == 200, rotated.text
    second = _value(rotated)
    assert second != first

    _refused(_resume(api, first), 401, "invalid_session")

    _refused(_resume(api, second), 401, "invalid_session")  # the whole session is gone


def test_a_replayed_cookie_of_an_account_ends_its_sign_in_and_its_sockets(api: Api) -> None:
    room = api.create_room()
    name = "u" + secrets.token_hex(5)
    account = api.http.post(
        "/auth/register", json={"username": name, "password": ACCOUNT_PASSWORD}
    ).json()
    joined = api.http.post(
        f"/chat/{room.room_id}/join",
        json={"password": PASSWORD},
        headers=_bearer(account["access_token"]),
    )
    assert joined.status_code == 200, joined.text
    first = _value(_start(api, account["access_token"], room.room_id))
    resumed = _resume(api, first)
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert (body["token_kind"], body["guest"]) == ("user", False)
    assert body["user_id"] == account["user_id"] and body["username"] == name
    client = api.socket(body["token"])
    try:
        _refused(_resume(api, first), 401, "invalid_session")
        assert receive_until(client, "session_ended") == {"reason": "refresh_token_reused"}
    finally:
        client.disconnect()
    refused = api.http.post("/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert_error(refused, 401, "invalid_refresh_token")


def test_a_kick_a_ban_or_the_rooms_deletion_refuse_resumption(api: Api) -> None:
    room = api.create_room()
    admin = _bearer(room.admin_token)
    # Every guest first: a kick or a ban also bars their (loopback) address from verifying.
    kicked, banned = api.verify(room), api.verify(room)
    cookies = {
        g["user_id"]: _value(_start(api, g["token"], room.room_id)) for g in (kicked, banned)
    }
    for guest, action, code in ((kicked, "kick", "kicked"), (banned, "ban", "banned")):
        target = {"user_id": guest["user_id"]}
        done = api.http.post(f"/admin/rooms/{room.room_id}/{action}", json=target, headers=admin)
        assert done.status_code == 200, done.text
        _refused(_resume(api, cookies[guest["user_id"]]), 403, code)
    other = api.create_room()
    last = _value(_start(api, api.token(other), other.room_id))
    creator = _value(_start(api, other.admin_token, other.room_id))
    deleted = api.http.post(
        "/admin/delete_room", json={"room_id": other.room_id}, headers=_bearer(other.admin_token)
    )
    assert deleted.status_code == 200, deleted.text
    for value in (last, creator):
        _refused(_resume(api, value), 401, "invalid_session")  # gone with its room


def test_another_origin_a_body_that_is_not_json_or_a_get_is_refused(api: Api) -> None:
    room = api.create_room()
    value = _value(_start(api, api.token(room), room.room_id))
    cookie = {"Cookie": f"{NAME}={value}"}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        for path in ("/session/resume", "/session/end"):
            assert_error(_post(api, path, **cookie, **headers), 403, "origin_not_allowed")
    # What a form or a plain-text fetch from another site could send without a preflight.
    for content_type, body in (
        ("application/x-www-form-urlencoded", b"a=1"),
        ("text/plain", b"{}"),
        ("multipart/form-data; boundary=x", b"--x--"),
    ):
        response = httpx.post(
            api.base_url + "/session/resume",
            content=body,
            headers={**cookie, "Content-Type": content_type},
        )
        assert_error(response, 400, "invalid_content_type")
    assert api.http.get("/session/resume", headers=cookie).status_code == 405
    # None of it spent the cookie: this server's own page still resumes with it.
    own = _resume(api, value, Origin=api.base_url, **{"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200, own.text


def test_end_revokes_the_session_and_clears_the_cookie(api: Api) -> None:
    room = api.create_room()
    value = _value(_start(api, api.token(room), room.room_id))
    ended = _post(api, "/session/end", Cookie=f"{NAME}={value}")
    assert ended.status_code == 200 and ended.json() == {"ended": True}
    assert _value(ended) == "" and "Max-Age=0" in _attributes(ended)
    _refused(_resume(api, value), 401, "invalid_session")
    nothing = _post(api, "/session/end")
    assert nothing.status_code == 200 and nothing.json() == {"ended": False}


def _raw(api: Api, lines: list[tuple[str, str]]) -> tuple[int, dict[str, Any]]:
    status, body = http_request(
        api.base_url, "POST", "/session/resume", b"{}", lines, content_type="application/json"
    )
    return status, json.loads(body)


def test_the_cookie_read_from_raw_bytes_however_it_is_spelled(api: Api) -> None:
    room = api.create_room()

    def fresh() -> str:
        return _value(_start(api, api.token(room), room.room_id))

    # Repeated Cookie lines: the one with the session counts, on both runtimes.
    status, body = _raw(api, [("Cookie", "a=1; b=2"), ("Cookie", f"{NAME}={fresh()}")])
    assert status == 200, body
    # The quoted form of RFC 6265, and spaces around the pair.
    status, body = _raw(api, [("Cookie", f'a=1;   {NAME}="{fresh()}"  ; c=3')])
    assert status == 200, body
    # Two values of it (two lines, or one line): ambiguous, so none; nothing spent.
    one, two = fresh(), fresh()
    for lines in (
        [("Cookie", f"{NAME}={one}"), ("Cookie", f"{NAME}={two}")],
        [("Cookie", f"{NAME}={one}; {NAME}={two}")],
        [("Cookie", f"{NAME.upper()}={one}")],  # another name: names are case-sensitive
        [("Cookie", f"{NAME} ={one}x")],
        [("Cookie", f"{NAME}={one}%00")],
        [("Cookie", f"{NAME}={'A' * 12000}")],  # oversized, under the head limit
        [("Cookie", f"{NAME}")],
    ):
        status, body = _raw(api, lines)
        assert (status, body["code"]) == (401, "invalid_session"), (lines, body)
    for value in (one, two):
        assert _resume(api, value).status_code == 200
    # Over the head limit: refused at the edge, in our error shape.
    status, body = _raw(api, [("Cookie", f"{NAME}={'A' * 20000}")])
    assert (status, body["code"]) == (431, "headers_too_large"), body


# -- lifetimes and the scheme a trusted proxy reports --------------------------------------------


def test_an_expired_cookie_is_refused_and_https_behind_a_trusted_proxy_is_secure(
    runtime: str, tmp_path: Path
) -> None:
    env = {"SECURECHAT_SESSION_COOKIE_TTL": "1", "SECURECHAT_TRUSTED_PROXIES": "127.0.0.1"}
    process = ServerProcess(runtime, tmp_path, "memory", env).start()
    try:
        api = Api(process.url)
        room = Room(**_created(api))
        token = api.token(room)
        secure = _post(
            api,
            "/session/start",
            {"room_id": room.room_id},
            **_bearer(token),
            **{"X-Forwarded-Proto": "https"},
        )
        assert secure.status_code == 201, secure.text
        assert "Secure" in _attributes(secure)
        plain = _start(api, token, room.room_id)
        assert "Secure" not in _attributes(plain)
        time.sleep(1.2)
        _refused(_resume(api, _value(plain)), 401, "invalid_session")
        api.close()
    finally:
        process.stop()
    assert "Traceback" not in process.stderr_text()


def _created(api: Api) -> dict[str, str]:
    room_id = new_room_id()
    made = api.http.post("/room/create", json={"room_id": room_id, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return {"room_id": room_id, "admin_token": made.json()["admin_token"]}


def test_a_proxy_not_trusted_cannot_make_the_cookie_secure(api: Api) -> None:
    room = api.create_room()
    started = _post(
        api,
        "/session/start",
        {"room_id": room.room_id},
        **_bearer(api.token(room)),
        **{"X-Forwarded-Proto": "https"},
    )
    assert started.status_code == 201 and "Secure" not in _attributes(started)
