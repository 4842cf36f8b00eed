"""Accessibility checked by a machine: axe-core (installed from npm with the page's
dependencies, entrypoints/web/package-lock.json) is injected into the page by the test and
finds no serious or critical violation on the entry view, a room with 60 messages,
reactions and an edit, and the room's dashboard; on both runtimes, on a desktop and a phone.
Then what axe cannot judge: the typing line is announced at most once per change of who
types, and the reaction picker is reached by keyboard, closes on Escape, and gives focus
back; the open emoji picker, browsing and searching, has no serious violation either."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from entrypoints.common.web_page import WEB
from tests.contract.client import Api, Room
from tests.contract.harness import ServerProcess
from tests.web.conftest import PHONE
from tests.web.people import PASSWORD, Person

AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
THUMBS, PARTY = "👍", "🎉"


def axe_problems(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    assert AXE.is_file(), f"axe-core is not installed at {AXE}: run `securechat build-web`"
    # Evaluated through the browser's debugging protocol: the page's CSP (scripts from this
    # origin only) does not apply, and the page itself is left as it is served.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations
              .filter((v) => v.impact === "serious" || v.impact === "critical")
              .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        }"""
    )
    return found


def axe_in_both_themes(page: Page) -> dict[str, list[dict[str, Any]]]:
    """axe's serious and critical violations in the light theme and in the dark one (the
    system's preference, as the page follows it), keyed by theme; empty when there are none."""
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems = axe_problems(page)
        if problems:
            found[scheme] = problems
    page.emulate_media(color_scheme="light")
    return found


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()


def _busy_room(api: Api) -> Room:
    """60 messages by three people, reactions on some, one of them edited."""
    room = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    carl, dora = api.token(room, "carl"), api.token(room, "dora")
    ids = []
    for n in range(60):
        token = (carl, dora, room.admin_token)[n % 3]
        text = f"message {n:02d} " + "words " * (n % 7)
        response = api.post(room.room_id, token, text)
        assert response.status_code == 201, response.text
        ids.append(response.json()["message_id"])
    edited = api.http.patch(
        f"/chat/{room.room_id}/messages/{ids[-3]}",
        json={"message": "message 57, edited"},
        headers={"Authorization": f"Bearer {carl}"},
    )
    assert edited.status_code == 200, edited.text
    with api.socket(carl) as socket:
        assert socket.call("join", {"room": room.room_id}, timeout=5)["ok"] is True
        for message_id, emoji in ((ids[-1], THUMBS), (ids[-2], PARTY), (ids[-1], PARTY)):
            body = {"room": room.room_id, "message_id": message_id, "reaction": emoji}
            assert socket.call("reaction", body, timeout=5)["ok"] is True
    return room


def test_the_entry_view_has_no_serious_violation(
    browser: Browser, server: ServerProcess, viewport: dict[str, int]
) -> None:
    anna = Person(browser, server.url + "/", viewport)
    try:
        expect(anna.page.get_by_role("heading", name="Join a room")).to_be_visible()
        assert axe_in_both_themes(anna.page) == {}
        assert anna.problems == []
    finally:
        anna.close()


def test_a_busy_room_has_no_serious_violation(
    browser: Browser, server: ServerProcess, api: Api, viewport: dict[str, int], shots: Path
) -> None:
    room = _busy_room(api)
    anna = Person(browser, server.url + "/", viewport)
    try:
        anna.enter(room.room_id, "anna")
        expect(anna.texts()).to_have_count(50)
        expect(anna.message("message 57, edited").locator(".edited")).not_to_be_empty()
        expect(anna.page.locator("#messages .chip")).to_have_count(3)
        assert axe_in_both_themes(anna.page) == {}
        kind = "phone" if viewport == PHONE else "desktop"
        anna.page.screenshot(path=str(shots / f"room-{kind}.png"))
        anna.page.emulate_media(color_scheme="dark")
        anna.page.screenshot(path=str(shots / f"room-dark-{kind}.png"))
        assert anna.problems == []
    finally:
        anna.close()


def test_the_dashboard_has_no_serious_violation(
    browser: Browser, server: ServerProcess, viewport: dict[str, int]
) -> None:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    try:
        anna.enter(room_id, "anna", create=True)
        bert.enter(room_id, "bert")
        bert.say("hello")
        expect(anna.message("hello")).to_have_count(1)
        anna.page.get_by_role("button", name="Room admin").click()
        expect(anna.page.locator("#member-rows tr")).to_have_count(2)  # anna (the creator), bert
        assert axe_in_both_themes(anna.page) == {}
        assert anna.problems == [] and bert.problems == []
    finally:
        anna.close()
        bert.close()


@pytest.fixture
def two(browser: Browser, server: ServerProcess, viewport: dict[str, int]) -> Iterator[Any]:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    anna.enter(room_id, "anna", create=True)
    bert.enter(room_id, "bert")
    yield anna, bert
    anna.close()
    bert.close()


def test_typing_is_announced_once_per_change_and_new_messages_once(two: Any) -> None:
    anna, bert = two
    # Every change the polite live region makes, as anna's page makes it.
    anna.page.evaluate(
        """() => {
            window.typingChanges = [];
            const line = document.getElementById("typing");
            new MutationObserver(() => window.typingChanges.push(line.textContent))
              .observe(line, { childList: true, characterData: true, subtree: true });
        }"""
    )
    bert.box.press_sequentially("hello an", delay=20)
    expect(anna.page.locator("#typing")).to_have_text("bert is typing…")
    # Anna types too: the room's list changes, the words anna's page shows do not.
    anna.box.press_sequentially("hi", delay=20)
    expect(bert.page.locator("#typing")).to_have_text("anna is typing…")
    bert.box.press_sequentially("na", delay=20)
    bert.box.press("Enter")
    expect(anna.page.locator("#typing")).to_have_text("")
    assert anna.page.evaluate("() => window.typingChanges") == ["bert is typing…", ""]
    # Bert's message is announced to anna once, in words; the list itself is no live region.
    expect(anna.page.locator("#announce")).to_have_text("bert: hello anna")
    assert anna.page.locator("#messages").get_attribute("aria-live") is None
    expect(bert.page.locator("#announce")).to_have_text("")  # one's own: not announced
    assert anna.problems == [] and bert.problems == []


def test_the_reaction_picker_by_keyboard(two: Any) -> None:
    anna, bert = two
    expect(anna.page.locator("#online-list li")).to_have_count(2)  # anna's page knows bert
    anna.say("pick one")
    message = bert.message("pick one")
    expect(message).to_have_count(1)
    react = message.get_by_role("button", name="React to anna's message")
    react.focus()
    react.press("Enter")
    expect(react).to_have_attribute("aria-expanded", "true")
    emojis = message.get_by_role("group", name="Pick a reaction").get_by_role("button")
    expect(emojis.first).to_be_focused()
    bert.page.keyboard.press("Tab")
    expect(emojis.nth(1)).to_be_focused()  # the picker comes right after its button
    bert.page.keyboard.press("Escape")
    expect(emojis.first).to_be_hidden()
    expect(react).to_be_focused()
    expect(react).to_have_attribute("aria-expanded", "false")
    # Opened again and a reaction chosen: the picker closes, focus is back on its button.
    bert.page.keyboard.press("Enter")
    expect(emojis.first).to_be_focused()
    bert.page.keyboard.press("Enter")
    expect(anna.message("pick one").locator(".chip")).to_have_text([f"{THUMBS} 1"])
    # Who reacted, on hover (title) and to a screen reader (name).
    chip = anna.message("pick one").locator(".chip")
    expect(chip).to_have_attribute("title", f"{THUMBS} by bert")
    expect(chip).to_have_accessible_name(f"{THUMBS} 1: bert")
    expect(message.locator(".chip")).to_have_accessible_name(f"{THUMBS} 1: you (yours)")
    expect(emojis.first).to_be_hidden()
    expect(react).to_be_focused()
    assert anna.problems == [] and bert.problems == []


def test_the_open_emoji_picker_has_no_serious_violation(
    two: Any, viewport: dict[str, int], shots: Path
) -> None:
    anna, bert = two
    anna.say("pick from many")
    message = bert.message("pick from many")
    react = message.get_by_role("button", name="React to anna's message")
    react.focus()
    react.press("Enter")
    picker = message.get_by_role("group", name="Pick a reaction")
    found = picker.get_by_role("group", name="Emoji found").get_by_role("button")
    expect(found).to_have_count(48)  # browsing, before any search: the first ones
    assert axe_in_both_themes(bert.page) == {}
    picker.get_by_role("searchbox", name="Search emoji").fill("heart")
    expect(picker.get_by_role("status")).to_contain_text("emoji found")
    assert axe_in_both_themes(bert.page) == {}
    kind = "phone" if viewport == PHONE else "desktop"
    bert.page.screenshot(path=str(shots / f"picker-{kind}.png"))
    assert anna.problems == [] and bert.problems == []


def test_the_theme_follows_the_system_and_a_pick_is_remembered(
    browser: Browser, server: ServerProcess, viewport: dict[str, int]
) -> None:
    anna = Person(browser, server.url + "/", viewport)
    try:
        page = anna.page
        background = "() => getComputedStyle(document.documentElement).backgroundColor"
        page.emulate_media(color_scheme="dark")
        dark = page.evaluate(background)
        page.emulate_media(color_scheme="light")
        light = page.evaluate(background)
        assert dark != light  # the system's choice, followed
        page.get_by_role("button", name="Switch to the dark theme").click()
        assert page.evaluate(background) == dark
        page.reload()
        expect(page.get_by_role("button", name="Switch to the light theme")).to_be_visible()
        assert page.evaluate(background) == dark  # remembered, whatever the system says
        # Only the theme is kept in this browser's storage.
        assert page.evaluate("() => Object.keys(localStorage)") == ["securechat-theme"]
        assert axe_problems(page) == []
        assert anna.problems == []
    finally:
        anna.close()
