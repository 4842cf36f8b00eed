"""Who a request says it is: display names as stored and shown, and the one spelling of a token."""

from __future__ import annotations

import unicodedata

import pytest
import socketio

from tests.contract.client import Api, assert_error

# Names that render as nothing: marks with no base, invisible fillers, format characters.
INVISIBLE_NAMES = [
    "\u0301",  # COMBINING ACUTE ACCENT alone
    "\u0301\u0308\u20dd",  # combining marks only (Mn, Mn, Me)
    "\u3164",  # HANGUL FILLER
    "\u3164\u3164\u3164",
    "\uffa0",  # HALFWIDTH HANGUL FILLER
    "\u115f\u1160",  # HANGUL CHOSEONG / JUNGSEONG FILLER
    "\u2800",  # BRAILLE PATTERN BLANK
    "\u00ad",  # SOFT HYPHEN
    " \u3164 \u0301 ",  # spaces around fillers and marks
]


@pytest.mark.parametrize("name", INVISIBLE_NAMES, ids=lambda n: n.encode("unicode_escape").decode())
def test_a_username_with_nothing_visible_is_refused(api: Api, name: str) -> None:
    room = api.create_room()
    response = api.http.post(
        f"/chat/{room.room_id}/verify", json={"password": room.password, "username": name}
    )
    assert_error(response, 400, "invalid_username")


def test_a_username_is_stored_and_shown_nfkc_normalized(api: Api) -> None:
    room = api.create_room()
    typed = "Ｚoe\u0301 \u2163"  # fullwidth Z, e + combining acute, ROMAN NUMERAL FOUR
    expected = unicodedata.normalize("NFKC", typed)
    assert expected == "Zoé IV"
    access = api.verify(room, username=typed)
    assert access["username"] == expected
    assert api.post(room.room_id, access["token"], "hello").status_code == 201
    history = api.messages(room.room_id, access["token"])
    assert [m["username"] for m in history.json()["messages"]] == [expected]


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _other_spellings(token: str) -> list[str]:
    """The token with its signature padded, and with the signature's two unused trailing
    bits set: strings a lenient base64url decoder reads as the same signed token."""
    header, payload, signature = token.split(".")
    assert len(signature) == 43  # HS256: 32 bytes, 2 unused bits in the last character
    last = _B64URL.index(signature[-1])
    assert last & 0b11 == 0
    same_bytes = [signature[:-1] + _B64URL[last | bits] for bits in (1, 2, 3)]
    return [f"{header}.{payload}.{s}" for s in [signature + "=", *same_bytes]]


def test_only_the_issued_spelling_of_a_token_is_accepted(api: Api) -> None:
    room = api.create_room()
    token = api.token(room, "erin")
    assert api.messages(room.room_id, token).status_code == 200
    for variant in _other_spellings(token):
        assert_error(api.messages(room.room_id, variant), 401, "unauthorized")
        assert_error(api.post(room.room_id, variant, "hello"), 401, "unauthorized")
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                api.base_url, auth={"token": variant}, transports=["websocket"], wait_timeout=5
            )
    assert api.messages(room.room_id, token).json()["messages"] == []  # nothing was posted
