"""Who a request says it is: display names as stored and shown, and the one spelling of a token."""

from __future__ import annotations

import unicodedata

import pytest

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
