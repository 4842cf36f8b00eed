"""Attention and addresses in a real browser, on both runtimes: the tab's title carries the
unread count while the page is hidden (the test drives the Page Visibility API) and a
divider marks where the unread ones begin on return; notifications are asked for only after
a click; an invite link opens the join form with the room filled in, with no password
anywhere in it; the entry page shows no connection state before one is wanted."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.contract.harness import ServerProcess
from tests.web.people import PASSWORD, Person

# Hidden and shown again, as a browser reports a tab put in the background and back.
VISIBILITY = """(hidden) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    Object.defineProperty(document, "visibilityState", {
        configurable: true, get: () => (hidden ? "hidden" : "visible") });
    document.dispatchEvent(new Event("visibilitychange"));
}"""


def set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(VISIBILITY, hidden)


@pytest.fixture
def two(browser: Browser, server: ServerProcess, viewport: dict[str, int]) -> Iterator[Any]:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    anna.enter(room_id, "anna", create=True)
    bert.enter(room_id, "bert")
    yield anna, bert, room_id
    anna.close()
    bert.close()


def test_unread_count_in_the_title_while_hidden(two: Any) -> None:
    anna, bert, _ = two
    bert.say("before")
    expect(anna.message("before")).to_have_count(1)
    expect(anna.page).to_have_title("Secure Chat")
    set_hidden(anna.page, True)
    bert.say("one")
    expect(anna.page).to_have_title("(1) Secure Chat")
    bert.say("two")
    expect(anna.page).to_have_title("(2) Secure Chat")
    anna.say("mine")  # one's own is not unread
    expect(anna.message("mine")).to_have_count(1)
    expect(anna.page).to_have_title("(2) Secure Chat")
    set_hidden(anna.page, False)
    expect(anna.page).to_have_title("Secure Chat")
    # The divider sits right before the first unread one.
    divider = anna.page.locator("#messages > li.last-read")
    expect(divider).to_have_text("New since you last looked (2)")
    following = divider.locator("xpath=following-sibling::li[1]")
    expect(following.locator(".text")).to_have_text("one")
    assert anna.problems == [] and bert.problems == []


def test_notifications_are_asked_for_only_after_a_click(two: Any) -> None:
    anna, _, _ = two
    # Nothing asked on load or on joining: the browser's permission is still undecided.
    assert anna.page.evaluate("() => Notification.permission") == "default"
    anna.context.grant_permissions(["notifications"])
    button = anna.page.get_by_role("button", name="Notify me")
    button.click()
    expect(anna.page.get_by_role("button", name="Notifications on")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert anna.problems == []


def test_an_invite_link_opens_the_join_form_prefilled(
    browser: Browser, server: ServerProcess, viewport: dict[str, int]
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", viewport)
    try:
        # Before anything is asked of it, the page shows no connection state at all.
        expect(anna.page.locator("#connection")).to_be_hidden()
        anna.enter(room_id, "anna", create=True)
        anna.context.grant_permissions(["clipboard-read", "clipboard-write"])
        anna.page.get_by_role("button", name="Copy invite link").click()
        expect(anna.page.locator("#invite-note")).to_contain_text("copied")
        link = anna.page.evaluate("() => navigator.clipboard.readText()")
        assert link == f"{server.url}/#/r/{room_id}"
        assert PASSWORD not in link and "password" not in link.lower()
        assert PASSWORD not in anna.page.url
        anna.page.get_by_role("button", name="Leave").click()
        expect(anna.page.locator("#connection")).to_be_hidden()
    finally:
        anna.close()
    bert = Person(browser, link, viewport)
    try:
        expect(bert.page.get_by_label("Room id")).to_have_value(room_id)
        expect(bert.page.get_by_label("Room password")).to_have_value("")
        expect(bert.page.get_by_label("Room password")).to_be_focused()
        expect(bert.page.locator("#connection")).to_be_hidden()
        bert.page.get_by_label("Room password").fill(PASSWORD)
        bert.page.get_by_label("Display name").fill("bert")
        bert.page.get_by_role("button", name="Join").click()
        bert.expect_connected()
        assert PASSWORD not in bert.page.url
        assert bert.problems == []
    finally:
        bert.close()


# The Notification API as a test sees it: permission granted, every notice recorded.
NOTIFICATIONS = """(() => {
    window.notices = [];
    class Recorded {
        static permission = "granted";
        static requestPermission() { return Promise.resolve("granted"); }
        constructor(title, options = {}) { window.notices.push({ title, ...options }); }
        addEventListener() {}
        close() {}
    }
    Object.defineProperty(window, "Notification", { configurable: true, value: Recorded });
})();"""


def notices(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("() => window.notices")
    return found


def test_what_a_desktop_notification_says(
    browser: Browser, server: ServerProcess, viewport: dict[str, int]
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    try:
        anna.context.add_init_script(NOTIFICATIONS)
        anna.page.reload()
        anna.enter(room_id, "anna", create=True)
        bert.enter(room_id, "bert")
        # Not turned on (however the browser's permission stands): nothing, mention or not.
        bert.say("@anna before you asked")
        expect(anna.message("@anna before you asked")).to_have_count(1)
        assert notices(anna.page) == []
        anna.page.get_by_role("button", name="Notify me").click()
        expect(anna.page.get_by_role("button", name="Notifications on")).to_be_visible()
        # Looked at: only a mention of oneself is notified (not another name that begins alike).
        bert.say("just chatting")
        bert.say("@annabel is someone else")
        bert.say("hey @anna, look **here**")
        expect(anna.message("hey @anna, look")).to_have_count(1)
        expect(anna.message("is someone else")).to_have_count(1)
        anna.say("@anna talking to myself")  # one's own: never
        expect(anna.message("talking to myself")).to_have_count(1)
        mention = anna.message("hey @anna, look").get_attribute("data-id")
        assert notices(anna.page) == [
            {"title": f"bert in {room_id}", "body": "hey @anna, look **here**", "tag": mention}
        ]
        # Hidden: every message of someone else, its text cut at 140 characters.
        set_hidden(anna.page, True)
        long = "a" * 100 + " " + "b" * 100
        bert.say(long)
        expect(anna.page).to_have_title("(1) Secure Chat")
        latest = notices(anna.page)[-1]
        assert latest["title"] == f"bert in {room_id}"
        assert latest["body"] == long[:140] + "…"
        assert len(notices(anna.page)) == 2
        # Turned off again: nothing more, hidden or mentioned.
        set_hidden(anna.page, False)
        anna.page.get_by_role("button", name="Notifications on").click()
        expect(anna.page.get_by_role("button", name="Notify me")).to_be_visible()
        set_hidden(anna.page, True)
        bert.say("@anna after you stopped")
        expect(anna.page).to_have_title("(1) Secure Chat")
        assert len(notices(anna.page)) == 2
        assert anna.problems == [] and bert.problems == []
    finally:
        anna.close()
        bert.close()
