"""A reload keeps you where you were, in a real browser, on both runtimes: the same room,
the same identity (one's own earlier message still one's own to delete), the creator's
dashboard, an account's sign-in; and still nothing in localStorage, sessionStorage or
document.cookie (the session cookie is HttpOnly)."""

from __future__ import annotations

import secrets

from playwright.sync_api import Browser, expect

from tests.contract.harness import ServerProcess
from tests.web.conftest import DESKTOP
from tests.web.people import Person

STORAGE = "() => [localStorage.length, sessionStorage.length, document.cookie]"
ACCOUNT_PASSWORD = "a long enough account password"
ONLINE = ["anna guest", "bert (you) guest"]  # as bert sees the list: each person once


def _nothing_stored(person: Person) -> None:
    assert person.page.evaluate(STORAGE) == [0, 0, ""]


def _reload(person: Person) -> None:
    person.page.reload()
    person.expect_connected()


def test_a_reload_keeps_the_room_the_identity_and_the_creators_dashboard(
    browser: Browser, server: ServerProcess
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", DESKTOP)
    bert = Person(browser, server.url + "/", DESKTOP)
    try:
        anna.enter(room_id, "anna", create=True)
        anna.page.get_by_role("button", name="Done").click()
        bert.enter(room_id, "bert")
        bert.say("from bert, before")
        expect(anna.message("from bert, before")).to_have_count(1)
        # The creator is one member, under the name typed: one "anna" online, no other.
        expect(bert.page.locator("#online-list li")).to_have_text(
            ["anna guest", "bert (you) guest"]
        )

        _reload(bert)
        _reload(anna)

        # The same room and identity: bert's message is still his own to delete.
        expect(bert.page.locator("#room-title")).to_have_text(f"Room {room_id}")
        expect(bert.message("from bert, before")).to_have_count(1)
        bert.message("from bert, before").hover()  # a message's actions show on hover
        bert.message("from bert, before").get_by_role(
            "button", name="Delete bert's message"
        ).click()
        expect(anna.message("from bert, before")).to_have_count(0)
        expect(bert.page.locator("#online-list li")).to_have_text(
            ["anna guest", "bert (you) guest"]
        )
        # The creator's dashboard came back, with one member of its name.
        expect(anna.page.locator("#keep-admin")).to_be_hidden()  # offered once, not again
        anna.page.get_by_role("button", name="Room admin").click()
        rows = anna.page.locator("#member-rows tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="anna")).to_have_count(1)
        anna.page.locator("#dashboard-close").click()
        anna.say("after the reload")
        expect(bert.message("after the reload").locator(".author")).to_have_text("anna")
        for person in (anna, bert):
            _nothing_stored(person)
            assert person.problems == []

        # Left on purpose: a reload shows the entry form, not the room.
        bert.page.get_by_role("button", name="Leave").click()
        bert.page.reload()
        expect(bert.page.locator("#entry")).to_be_visible()
        expect(bert.page.locator("#room")).to_be_hidden()
        _nothing_stored(bert)
    finally:
        anna.close()
        bert.close()


def test_a_reload_keeps_an_accounts_sign_in_and_its_room(
    browser: Browser, server: ServerProcess
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    name = "cara_" + secrets.token_hex(3)
    cara = Person(browser, server.url + "/", DESKTOP)
    try:
        page = cara.page
        page.get_by_label("Username").fill(name)
        page.get_by_label("Account password").fill(ACCOUNT_PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.locator("#account-user")).to_have_text(name)
        cara.enter(room_id, None, create=True)
        cara.say("from cara")

        _reload(cara)

        expect(page.locator("#account-user")).to_have_text(name)
        expect(cara.message("from cara").locator(".author")).to_have_text(name)
        page.get_by_role("button", name="Room admin").click()
        expect(page.locator("#member-rows tr").filter(has_text=name)).to_have_count(1)
        page.locator("#dashboard-close").click()
        cara.say("still cara")
        expect(cara.message("still cara")).to_have_count(1)
        _nothing_stored(cara)
        assert cara.problems == []
    finally:
        cara.close()
