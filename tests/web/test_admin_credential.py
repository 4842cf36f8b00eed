"""The creator's admin credential, in a real browser, on both runtimes: the page that
created a room offers it once to keep (it is kept nowhere in the browser: not in
localStorage, sessionStorage or a cookie script can read), and another browser given it
gets the room's dashboard."""

from __future__ import annotations

import secrets

from playwright.sync_api import Browser, expect

from tests.contract.harness import ServerProcess
from tests.web.conftest import DESKTOP
from tests.web.people import Person

STORAGE = "() => [localStorage.length, sessionStorage.length, document.cookie]"


def test_the_creator_keeps_the_admin_credential_for_another_browser(
    browser: Browser, server: ServerProcess
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", DESKTOP)
    other = Person(browser, server.url + "/", DESKTOP)
    try:
        anna.enter(room_id, "anna", create=True)
        offer = anna.page.get_by_role("region", name="Keep this room's admin credential")
        expect(offer).to_be_visible()
        credential = anna.page.locator("#admin-credential-shown").input_value()
        assert credential.count(".") == 2  # a token, shown as it is
        anna.page.get_by_role("button", name="Done").click()
        expect(offer).to_be_hidden()
        expect(anna.page.locator("#admin-credential-shown")).to_have_value("")
        anna.say("hello from the creator")

        # Another browser: the credential opens the dashboard; without it, no way in.
        other.fill_entry(room_id, "anna elsewhere")
        other.page.get_by_text("I have this room's admin credential", exact=True).click()
        other.page.get_by_label("Admin credential (from the browser").fill(credential)
        other.page.get_by_role("button", name="Join").click()
        other.expect_connected()
        expect(other.message("hello from the creator")).to_have_count(1)
        other.page.get_by_role("button", name="Room admin").click()
        expect(other.page.locator("#member-rows tr").filter(has_text="anna")).not_to_have_count(0)
        # Offered once, to the creator only.
        expect(other.page.locator("#keep-admin")).to_be_hidden()
        for person in (anna, other):
            assert person.page.evaluate(STORAGE) == [0, 0, ""]
            assert person.problems == []
    finally:
        anna.close()
        other.close()
