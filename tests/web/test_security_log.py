"""The dashboard's security log in a real browser, on both runtimes, on a desktop and a
phone: the room's audit entries in words, newest first, with who did what to whom, when and
from which address; refreshed when the dashboard opens and after an action; "Load older
entries" pages back to the room's creation."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.client import Api
from tests.contract.harness import ServerProcess
from tests.web.people import Person

PAGE = 20  # audit.js's LOG_PAGE


@pytest.fixture
def three(browser: Browser, server: ServerProcess, viewport: dict[str, int]) -> Iterator[Any]:
    room_id = "r_" + secrets.token_hex(5)
    people = [Person(browser, server.url + "/", viewport) for _ in range(3)]
    anna, bert, carl = people
    anna.enter(room_id, "anna", create=True)
    bert.enter(room_id, "bert")
    carl.enter(room_id, "carl")
    yield anna, bert, carl, room_id
    for person in people:
        person.close()


def test_a_kick_and_a_ban_show_in_the_log_with_who_did_them(three: Any) -> None:
    anna, bert, carl, _ = three
    anna.page.get_by_role("button", name="Done").click()  # the admin credential kept
    anna.page.get_by_role("button", name="Room admin").click()
    dashboard = anna.page.locator("#dashboard")
    log = dashboard.get_by_role("list", name="Security log")
    entries = log.get_by_role("listitem")
    # Opened: the log as it is, the room's creation in it.
    created = re.compile(r"^\S.* anna created the room from 127\.0\.0\.1$")
    expect(entries).to_have_text([created], use_inner_text=True)
    when = re.compile(r"^\d{4}-\d\d-\d\dT")
    expect(entries.first.locator("time")).to_have_attribute("datetime", when)
    expect(entries.first.locator("time")).not_to_have_attribute("title", "")
    dashboard.get_by_role("button", name="Kick bert").click()
    expect(bert.page.locator("#ended-reason")).to_be_visible()
    dashboard.get_by_role("button", name="Ban carl").click()
    expect(carl.page.locator("#ended-reason")).to_contain_text("banned")
    # Newest first, each with who did it, to whom, and from where.
    expect(entries.locator(".what")).to_have_text(
        ["anna banned carl", "anna kicked bert (removed for a while)", "anna created the room"]
    )
    expect(entries.locator(".where")).to_have_text([" from 127.0.0.1"] * 3)
    expect(dashboard.get_by_role("button", name="Load older entries")).to_be_hidden()
    # A settings change names what changed, in words.
    dashboard.get_by_role("button", name="Save settings").click()
    expect(entries.first.locator(".what")).to_have_text(
        "anna changed the settings (messages kept, IP policy)"
    )
    # Closed and opened again: loaded anew, the same.
    dashboard.get_by_role("button", name="Back to the room").click()
    anna.page.get_by_role("button", name="Room admin").click()
    expect(entries.locator(".what")).to_have_count(4)
    expect(entries.nth(1).locator(".what")).to_have_text("anna banned carl")
    assert anna.confirmed == ["Kick bert?", "Ban carl?"]
    assert anna.problems == [] and bert.problems == [] and carl.problems == []


def test_load_older_entries_pages_back_to_the_start(three: Any, server: ServerProcess) -> None:
    anna, _, _, room_id = three
    credential = anna.page.locator("#admin-credential-shown").input_value()
    anna.page.get_by_role("button", name="Done").click()
    api = Api(server.url)
    try:
        auth = {"Authorization": f"Bearer {credential}"}
        overview = api.http.get(f"/admin/rooms/{room_id}", headers=auth).json()
        bert = next(m for m in overview["members"] if m["username"] == "bert")
        for n in range(PAGE):  # 20 entries more: the room's creation falls on a second page
            action = "promote" if n % 2 == 0 else "demote"
            done = api.http.post(
                f"/admin/rooms/{room_id}/{action}", json={"user_id": bert["user_id"]}, headers=auth
            )
            assert done.status_code == 200, done.text
    finally:
        api.close()
    anna.page.get_by_role("button", name="Room admin").click()
    dashboard = anna.page.locator("#dashboard")
    what = dashboard.get_by_role("list", name="Security log").locator("li .what")
    expect(what).to_have_count(PAGE)
    expect(what.first).to_have_text("anna made bert a member")
    expect(what.nth(1)).to_have_text("anna made bert an admin")
    older = dashboard.get_by_role("button", name="Load older entries")
    older.focus()
    older.press("Enter")
    expect(what).to_have_count(PAGE + 1)
    expect(what.last).to_have_text("anna created the room")
    # A short page is the end: the button goes, and focus stays in the log.
    expect(older).to_be_hidden()
    expect(dashboard.get_by_role("list", name="Security log")).to_be_focused()
    assert anna.problems == []
