"""The dashboard's actions in a real browser, on both runtimes, on a desktop and a phone:
only the actions that fit a member's state (a banned member: Unban only), each outcome next
to its action and cleared by the next, focus to the heading on open and back on close; the
room password changed (a guest's next join needs the new one); the admin credential
replaced (the new one shown once, the old one refused)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.client import Api
from tests.contract.harness import ServerProcess
from tests.web.people import Person


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


def _open(anna: Person) -> Any:
    anna.page.get_by_role("button", name="Room admin").click()
    dashboard = anna.page.locator("#dashboard")
    expect(anna.page.get_by_role("heading", name="Room admin")).to_be_focused()
    expect(dashboard.locator("#member-rows tr")).to_have_count(2)  # anna (the creator), bert
    return dashboard


def test_member_actions_fit_the_state_and_outcomes_sit_next_to_them(two: Any) -> None:
    anna, bert, _ = two
    dashboard = _open(anna)
    row = dashboard.locator("#member-rows tr").filter(has_text="bert")
    names = row.get_by_role("button")
    expect(names).to_have_text(["Promote", "Kick", "Ban"])
    expect(row.locator("td").nth(2)).to_have_text("In the room")
    row.get_by_role("button", name="Promote bert").click()
    expect(row.locator(".outcome")).to_have_text("bert is now an admin.")
    row.get_by_role("button", name="Ban bert").click()
    expect(bert.page.locator("#ended-reason")).to_contain_text("banned")
    expect(row.locator(".outcome")).to_have_text("bert is banned.")
    expect(names).to_have_text(["Unban"])  # banned: Unban only
    expect(row.locator("td").nth(2)).to_have_text("Banned")
    # The next action's outcome replaces it, next to that action.
    anna.page.get_by_role("button", name="Save settings").click()
    expect(dashboard.locator('.outcome[data-key="settings"]')).to_have_text("Settings saved.")
    expect(row.locator(".outcome")).to_be_empty()
    row.get_by_role("button", name="Unban bert").click()
    # Unbanned, bert is no member any more (his next join makes him one): his row goes, and
    # the outcome shows under the table.
    expect(row).to_have_count(0)
    expect(dashboard.locator('.outcome[data-key="members"]')).to_have_text("bert may come back.")
    expect(dashboard.locator('.outcome[data-key="settings"]')).to_be_empty()
    # Plain words; back to the room, focus where it was.
    expect(dashboard.get_by_role("heading", name="Pending addresses")).to_be_visible()
    expect(dashboard.locator("table.members thead")).to_contain_text("Status")
    anna.page.get_by_role("button", name="Back to the room").click()
    expect(anna.page.get_by_role("button", name="Room admin")).to_be_focused()
    assert anna.problems == [] and bert.problems == []


def test_the_room_password_changes(two: Any) -> None:
    anna, bert, room_id = two
    dashboard = _open(anna)
    new = "a brand new room password"
    dashboard.get_by_label("New password for the room").fill(new)
    dashboard.get_by_role("button", name="Change password").click()
    # Guests who joined with the old one are out (anna too: her guest token went with it).
    expect(bert.page.locator("#ended-reason")).to_contain_text("password was changed")
    bert.page.get_by_role("button", name="Another room").click()
    bert.fill_entry(room_id, "bert")  # the old password
    bert.page.get_by_role("button", name="Join").click()
    expect(bert.page.locator("#entry-error")).to_be_visible()
    bert.page.get_by_label("Room password").fill(new)
    bert.page.get_by_role("button", name="Join").click()
    bert.expect_connected()
    assert anna.problems == [] and bert.problems == []


def test_the_admin_credential_is_replaced_and_shown_once(two: Any, server: ServerProcess) -> None:
    anna, _, room_id = two
    old = anna.page.locator("#admin-credential-shown").input_value()
    assert old
    anna.page.get_by_role("button", name="Done").click()
    dashboard = _open(anna)
    dashboard.get_by_role("button", name="Replace the admin credential").click()
    shown = dashboard.get_by_label("New admin credential")
    expect(shown).not_to_have_value("")
    new = shown.input_value()
    assert new != old
    expect(dashboard.locator('.outcome[data-key="token"]')).to_contain_text("not shown again")
    api = Api(server.url)
    try:
        path = f"/admin/rooms/{room_id}"
        refused = api.http.get(path, headers={"Authorization": f"Bearer {old}"})
        assert refused.status_code in (401, 403), refused.text
        taken = api.http.get(path, headers={"Authorization": f"Bearer {new}"})
        assert taken.status_code == 200, taken.text
    finally:
        api.close()
    # The page goes on with the new one; once kept, it is shown no more.
    dashboard.get_by_role("button", name="Refresh").click()
    expect(anna.page.locator("#dashboard-error")).to_be_hidden()
    dashboard.get_by_role("button", name="Done").click()
    expect(shown).to_be_hidden()
    expect(shown).to_have_value("")
    expect(dashboard.get_by_role("button", name="Replace the admin credential")).to_be_focused()
    assert anna.confirmed[-1].startswith("Replace the admin credential?")
    assert anna.problems == []
