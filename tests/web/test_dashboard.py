"""The room admin dashboard in a real browser, on both runtimes, on a desktop and a phone:
only the room's admin reaches it; the admin makes the room admit verified addresses only,
verifies a newcomer's pending address, and clears the history, which the other person sees
go. Each person comes from an address of their own, through a trusted proxy."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.harness import ServerProcess
from tests.web.conftest import PHONE
from tests.web.people import Person

ANNA, BERT = "10.20.0.1", "10.30.0.2"


@pytest.fixture(scope="module")
def proxied(
    server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server of the module's runtime behind a trusted proxy (this machine)."""
    env = {
        "SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48),
        "SECURECHAT_TRUSTED_PROXIES": "127.0.0.1",
    }
    data = tmp_path_factory.mktemp(f"proxied-{server.runtime}")
    process = ServerProcess(server.runtime, data, "memory", env)
    process.start()
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


def test_an_admin_verifies_a_pending_address_and_clears_the_history(
    browser: Browser, proxied: ServerProcess, viewport: dict[str, int], shots: Path
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, proxied.url + "/", viewport, address=ANNA)
    bert = Person(browser, proxied.url + "/", viewport, address=BERT)
    try:
        anna.enter(room_id, "anna", create=True)
        bert.enter(room_id, "bert")
        bert.say("hello from bert")
        expect(anna.message("hello from bert")).to_have_count(1)

        # A member has no way in; the creator has.
        expect(bert.page.get_by_role("button", name="Room admin")).to_be_hidden()
        anna.page.get_by_role("button", name="Room admin").click()
        dashboard = anna.page.locator("#dashboard")
        expect(dashboard).to_be_visible()
        # The creator is one member, as she named herself: anna and bert, no third.
        expect(dashboard.locator("#member-rows tr")).to_have_count(2)
        expect(dashboard.locator("#member-rows tr").filter(has_text="anna")).to_have_count(1)

        # Verified addresses only: her own first (the server insists), then the policy.
        anna.page.get_by_label("Address or range to verify").fill(ANNA)
        anna.page.get_by_role("button", name="Verify", exact=True).click()
        expect(dashboard.locator("#verified-ips")).to_contain_text(f"{ANNA}/32")
        anna.page.get_by_label("IP policy").select_option("require")
        anna.page.get_by_role("button", name="Save settings").click()
        expect(dashboard.locator('.outcome[data-key="settings"]')).to_have_text("Settings saved.")

        # Bert's address is not verified: he is out, and his next try is a pending address.
        expect(bert.page.locator("#ended-reason")).to_contain_text("verified addresses only")
        bert.page.get_by_role("button", name="Leave").click()
        bert.fill_entry(room_id, "bert")
        bert.page.get_by_role("button", name="Join").click()
        expect(bert.page.locator("#entry-error")).to_contain_text("not verified")

        anna.page.get_by_role("button", name="Refresh").click()
        expect(dashboard.locator("#pending-ips")).to_contain_text(BERT)
        shot = "phone" if viewport == PHONE else "desktop"
        anna.page.screenshot(path=str(shots / f"dashboard-{shot}.png"), full_page=True)
        dashboard.get_by_role("button", name=f"Verify {BERT}").click()
        expect(dashboard.locator("#verified-ips")).to_contain_text(BERT)

        bert.page.get_by_role("button", name="Join").click()
        bert.expect_connected()
        expect(bert.message("hello from bert")).to_have_count(1)

        # Clearing the history, after a confirmation: bert sees it go.
        anna.page.get_by_role("button", name="Clear history").click()
        danger = dashboard.locator('.outcome[data-key="danger"]')
        expect(danger).to_contain_text("History cleared")
        # The outcome of the action before is gone: one outcome at a time, next to its action.
        expect(dashboard.locator('.outcome[data-key="settings"]')).to_be_empty()
        expect(bert.texts()).to_have_count(0)
        expect(bert.page.locator("#messages-empty")).to_be_visible()
        assert anna.confirmed == ["Delete every message of this room, for everyone?"]
        assert anna.problems == [] and bert.problems == []
    finally:
        anna.close()
        bert.close()
