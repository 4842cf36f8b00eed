"""Names that render alike are one name, on both runtimes and every storage: outer blanks
are stripped and inner runs of whitespace folded (after NFKC) before a name is stored or
compared, for accounts, guest profiles and the display names of room guests."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.contract.client import Api, assert_error

PASSWORD = "a long enough password"  # noqa: S105 - test data


def _name() -> str:
    return "Zoe " + secrets.token_hex(3)  # an inner space, so inner runs can be tried


def _register(api: Api, username: str) -> httpx.Response:
    return api.http.post("/auth/register", json={"username": username, "password": PASSWORD})


def _guest_profile(api: Api, username: str) -> httpx.Response:
    user_id = "p_" + secrets.token_hex(5)
    return api.http.post("/user/profile", json={"user_id": user_id, "username": username})


def _look_alikes(name: str) -> list[str]:
    first, rest = name.split(" ", 1)
    return [
        " " + name,
        name + " ",
        "  " + name + "  ",
        "\u3000" + name,  # IDEOGRAPHIC SPACE
        name + "\u00a0",  # NO-BREAK SPACE
        name + "\u2800",  # BRAILLE PATTERN BLANK
        first + "  " + rest,  # a run of spaces inside
        first + "\u2003" + rest,  # EM SPACE inside
        "\uff3a" + name[1:] + " ",  # a fullwidth Z too
    ]


def test_names_that_differ_only_in_spaces_cannot_be_two_accounts(api: Api) -> None:
    name = _name()
    first = _register(api, name)
    assert first.status_code == 201, first.text
    for spelling in _look_alikes(name):
        assert_error(_register(api, spelling), 409, "username_taken")
        assert_error(_guest_profile(api, spelling), 409, "username_taken")
    # And the other way round: a padded first name holds the plain one.
    padded = _name()
    assert _register(api, " " + padded + " ").status_code == 201
    assert_error(_register(api, padded), 409, "username_taken")
    # Login takes any of the spellings, and it is the one account.
    for spelling in (name, *_look_alikes(name)):
        login = api.http.post("/auth/login", json={"username": spelling, "password": PASSWORD})
        assert login.status_code == 200, (spelling, login.text)
        assert login.json()["user_id"] == first.json()["user_id"]


def test_a_room_guest_may_not_show_an_accounts_name_padded(api: Api) -> None:
    name = _name()
    assert _register(api, name).status_code == 201
    room = api.create_room()
    for spelling in _look_alikes(name):
        response = api.http.post(
            f"/chat/{room.room_id}/verify", json={"password": room.password, "username": spelling}
        )
        assert_error(response, 409, "username_taken")


def _shown(api: Api, user_id: str) -> Any:
    response = api.http.get(f"/user/profile/{user_id}")
    assert response.status_code == 200, response.text
    return response.json()["username"]


def test_names_are_stored_stripped_with_inner_spaces_folded(api: Api) -> None:
    tag = secrets.token_hex(3)
    account = _register(api, f"  Ann \u3000 {tag}\u00a0")
    assert account.status_code == 201, account.text
    assert account.json()["username"] == f"Ann {tag}"
    assert _shown(api, account.json()["user_id"]) == f"Ann {tag}"

    guest = _guest_profile(api, f"\u2003Bo  {tag} ")
    assert guest.status_code == 201, guest.text
    assert guest.json()["username"] == f"Bo {tag}"
    assert _shown(api, guest.json()["user_id"]) == f"Bo {tag}"

    renamed = api.http.put(
        f"/user/profile/{guest.json()['user_id']}",
        json={"username": f" Bea   {tag} "},
        headers={"Authorization": f"Bearer {guest.json()['access_token']}"},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["username"] == f"Bea {tag}"
    assert _shown(api, guest.json()["user_id"]) == f"Bea {tag}"

    room = api.create_room()
    room_guest = api.verify(room, f"  Cy  {tag}  ")
    assert room_guest["username"] == f"Cy {tag}"
    assert _shown(api, room_guest["user_id"]) == f"Cy {tag}"
    sent = api.post(room.room_id, room_guest["token"], "hello")
    assert sent.status_code == 201, sent.text
    history = api.messages(room.room_id, room.admin_token, limit=10).json()["messages"]
    assert [m["username"] for m in history] == [f"Cy {tag}"]


def test_a_name_of_spaces_and_blanks_only_is_refused(api: Api) -> None:
    for blank in (" ", "\u3000\u3000", " \u2800 ", "\u00a0"):
        assert_error(_register(api, blank), 400, "invalid_username")
        assert_error(_guest_profile(api, blank), 400, "invalid_username")
