"""Signing in on the page, on both runtimes: an account that creates a room is its admin
(its sign-in alone opens the dashboard); another account joins with the room's password
once, and afterwards with its sign-in alone; a wrong sign-in is refused in words."""

from __future__ import annotations

import secrets

from playwright.sync_api import Browser, expect

from tests.contract.harness import ServerProcess
from tests.web.conftest import DESKTOP
from tests.web.people import PASSWORD, Person

ACCOUNT_PASSWORD = "a long enough account password"


def _register(person: Person, name: str) -> None:
    page = person.page
    page.get_by_label("Username").fill(name)
    page.get_by_label("Account password").fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#account-user")).to_have_text(name)


def test_accounts_create_administer_and_rejoin_a_room(
    browser: Browser, server: ServerProcess
) -> None:
    suffix = secrets.token_hex(3)
    room_id = "r_" + secrets.token_hex(5)
    owner = Person(browser, server.url + "/", DESKTOP)
    member = Person(browser, server.url + "/", DESKTOP)
    try:
        _register(owner, f"owner_{suffix}")
        owner.fill_entry(room_id)
        owner.page.get_by_role("button", name="Create this room").click()
        owner.expect_connected()
        owner.say("welcome")

        _register(member, f"cara_{suffix}")
        member.enter(room_id, None)
        expect(member.message("welcome")).to_have_count(1)
        member.say("thanks")
        # Shown under the account's name, and the owner's sign-in alone is its admin.
        expect(owner.message("thanks").locator(".author")).to_have_text(f"cara_{suffix}")
        expect(member.page.get_by_role("button", name="Room admin")).to_be_hidden()
        owner.page.get_by_role("button", name="Room admin").click()
        rows = owner.page.locator("#member-rows tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text=f"cara_{suffix}")).to_contain_text("member")

        # A member already: back in with no room password at all.
        member.page.get_by_role("button", name="Leave").click()
        member.page.get_by_label("Room id").fill(room_id)
        member.page.get_by_label("Room password").fill("")
        member.page.get_by_role("button", name="Join").click()
        member.expect_connected()
        expect(member.message("thanks")).to_have_count(1)
        assert owner.problems == [] and member.problems == []
    finally:
        owner.close()
        member.close()


def test_a_wrong_sign_in_is_refused_in_words(browser: Browser, server: ServerProcess) -> None:
    person = Person(browser, server.url + "/", DESKTOP)
    try:
        person.page.get_by_label("Username").fill("nobody_" + secrets.token_hex(3))
        person.page.get_by_label("Account password").fill(PASSWORD)
        person.page.get_by_role("button", name="Sign in").click()
        expect(person.page.locator("#account-error")).to_be_visible()
        expect(person.page.locator("#account-error")).not_to_be_empty()
        expect(person.page.locator("#account-status")).to_be_hidden()
    finally:
        person.close()
