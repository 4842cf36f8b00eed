"""Attacks from issue 9's acceptance list not held elsewhere, on both runtimes and every
storage: tokens signed with the right key but for another issuer or audience, and HTML or
script in messages and names, which come back verbatim as JSON data and are never
interpreted."""

from __future__ import annotations

import time

import jwt

from tests.contract.client import Api, assert_error, receive_until

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_the_right_key_for_another_issuer_or_audience_opens_nothing(
    api: Api, jwt_secret: str
) -> None:
    room = api.create_room()
    token = api.token(room)
    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(time.time())
    for changed in (
        {"iss": "another-server"},
        {"aud": "another-audience"},
        {"iss": None},
        {"exp": now + 10**9, "iat": now + 3600},  # issued in the future
    ):
        forged = jwt.encode(
            {k: v for k, v in {**claims, **changed}.items() if v is not None}, jwt_secret
        )
        assert_error(api.post(room.room_id, forged, "x"), 401, "unauthorized")
        assert_error(api.messages(room.room_id, forged), 401, "unauthorized")
    assert api.texts(room.room_id, token) == []


def test_html_and_script_are_returned_verbatim_as_data(api: Api) -> None:
    room = api.create_room()
    access = api.verify(room, username="<b>Mallory</b>")
    assert access["username"] == "<b>Mallory</b>"
    watcher = api.socket(room.admin_token)
    try:
        assert watcher.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        posted = api.post(room.room_id, access["token"], SCRIPT)
        assert posted.status_code == 201, posted.text
        broadcast = receive_until(watcher, "message")
        assert (broadcast["message"], broadcast["username"]) == (SCRIPT, "<b>Mallory</b>")
    finally:
        watcher.disconnect()
    history = api.messages(room.room_id, room.admin_token)
    assert history.headers["content-type"] == "application/json"
    assert history.headers["x-content-type-options"] == "nosniff"
    [message] = history.json()["messages"]
    assert (message["message"], message["username"]) == (SCRIPT, "<b>Mallory</b>")
