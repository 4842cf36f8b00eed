"""Leaving a room against one's will, in a real browser, on both runtimes: kicked, banned,
the room deleted or the session ended, the page says why in words, disables the composer,
never shows "Reconnecting…", and offers a way back where one makes sense; a member
promoted meanwhile gets the dashboard at once, without joining again."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.client import Api, Room
from tests.contract.harness import ServerProcess
from tests.web.conftest import DESKTOP
from tests.web.people import PASSWORD, Person


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()


def _member_id(api: Api, room: Room, name: str) -> str:
    response = api.http.get(
        f"/admin/rooms/{room.room_id}", headers={"Authorization": f"Bearer {room.admin_token}"}
    )
    assert response.status_code == 200, response.text
    return next(m["user_id"] for m in response.json()["members"] if m["username"] == name)


def _admin(api: Api, room: Room, method: str, path: str, body: dict[str, object]) -> None:
    headers = {"Authorization": f"Bearer {room.admin_token}"}
    response = api.http.request(method, path, json=body, headers=headers)
    assert response.status_code == 200, response.text


def _expect_ended(person: Person, words: str, rejoin: bool) -> None:
    page = person.page
    expect(page.locator("#ended-reason")).to_have_text(words)
    expect(page.locator("#connection")).to_have_text("Not in the room")
    expect(person.box).to_be_disabled()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.get_by_role("button", name="Another room")).to_be_visible()
    if rejoin:
        expect(page.get_by_role("button", name="Join again")).to_be_visible()
    else:
        expect(page.get_by_role("button", name="Join again")).to_be_hidden()
    # Final: no reconnection starts a second later either.
    page.wait_for_timeout(1500)
    expect(page.locator("#connection")).to_have_text("Not in the room")
    assert "Reconnecting" not in page.locator("body").inner_text()


@pytest.mark.parametrize(
    ("action", "words", "rejoin"),
    [
        ("kick", "An admin removed you from this room for a while.", True),
        ("ban", "An admin banned you from this room.", False),
    ],
)
def test_a_kicked_or_banned_guest_is_told_why_and_is_not_reconnecting(
    browser: Browser, server: ServerProcess, api: Api, action: str, words: str, rejoin: bool
) -> None:
    room = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    bert = Person(browser, server.url + "/", DESKTOP)
    try:
        bert.enter(room.room_id, "bert")
        user_id = _member_id(api, room, "bert")
        _admin(api, room, "POST", f"/admin/rooms/{room.room_id}/{action}", {"user_id": user_id})
        _expect_ended(bert, words, rejoin)
        if rejoin:  # still kicked: joining again is refused in words, on the entry form
            bert.page.get_by_role("button", name="Join again").click()
            expect(bert.page.locator("#entry-error")).to_be_visible()
        else:
            bert.page.get_by_role("button", name="Another room").click()
            expect(bert.page.get_by_label("Room id")).to_be_focused()
        assert bert.problems == []
    finally:
        bert.close()


def test_a_deleted_room_and_a_new_password_end_the_room_in_words(
    browser: Browser, server: ServerProcess, api: Api
) -> None:
    gone = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    moved = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    anna = Person(browser, server.url + "/", DESKTOP)
    bert = Person(browser, server.url + "/", DESKTOP)
    try:
        anna.enter(gone.room_id, "anna")
        bert.enter(moved.room_id, "bert")
        _admin(api, gone, "POST", "/admin/delete_room", {"room_id": gone.room_id})
        new_password = {"password": "another long room password"}
        _admin(api, moved, "PATCH", f"/admin/rooms/{moved.room_id}/settings", new_password)
        _expect_ended(anna, "This room was deleted.", rejoin=False)
        _expect_ended(bert, "The room's password was changed; join again with the new one.", True)
        assert anna.problems == [] and bert.problems == []
    finally:
        anna.close()
        bert.close()


def test_a_promoted_member_gets_the_dashboard_at_once(
    browser: Browser, server: ServerProcess, api: Api
) -> None:
    room = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    bert = Person(browser, server.url + "/", DESKTOP)
    try:
        bert.enter(room.room_id, "bert")
        expect(bert.page.get_by_role("button", name="Room admin")).to_be_hidden()
        user_id = _member_id(api, room, "bert")
        _admin(api, room, "POST", f"/admin/rooms/{room.room_id}/promote", {"user_id": user_id})
        bert.page.get_by_role("button", name="Room admin").click()
        expect(bert.page.locator("#member-rows tr").filter(has_text="bert")).to_contain_text(
            "admin"
        )
        _admin(api, room, "POST", f"/admin/rooms/{room.room_id}/demote", {"user_id": user_id})
        expect(bert.page.locator("#dashboard")).to_be_hidden()
        expect(bert.page.get_by_role("button", name="Room admin")).to_be_hidden()
        assert bert.problems == []
    finally:
        bert.close()
