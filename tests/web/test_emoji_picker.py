"""The emoji picker in a real browser, on both runtimes: found by name and chosen with the
keyboard alone, the other person sees the reaction; Escape closes it with focus back on its
opener; no request leaves for another host while it is used; and every emoji it offers is
one the server takes as a reaction."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from adapters.text.emoji_table import UnicodeEmojiTable
from entrypoints.common import web_page
from tests.contract.harness import ServerProcess
from tests.web.people import Person

ROCKET = "🚀"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


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


def focused_name(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''"))


def test_an_emoji_found_by_name_reacts_by_keyboard_alone(two: Any) -> None:
    anna, bert = two
    expect(anna.page.locator("#online-list li")).to_have_count(2)  # anna's page knows bert
    anna.say("to the moon")
    message = bert.message("to the moon")
    expect(message).to_have_count(1)
    # From the composer, backwards through the list in its natural order: the message's
    # menu is a few keys away.
    bert.box.focus()
    for _ in range(6):
        bert.page.keyboard.press("Shift+Tab")
        if focused_name(bert.page) == "React to anna's message":
            break
    react = message.get_by_role("button", name="React to anna's message")
    expect(react).to_be_focused()
    expect(message.locator(".tools")).to_have_css("opacity", "1")
    bert.page.keyboard.press("Enter")
    picker = message.get_by_role("group", name="Pick a reaction")
    expect(picker.get_by_role("button", name="React with 👍")).to_be_focused()
    for _ in range(6):  # past the six quick reactions: the search comes next
        bert.page.keyboard.press("Tab")
    search = picker.get_by_role("searchbox", name="Search emoji")
    expect(search).to_be_focused()
    bert.page.keyboard.type("rocket")
    found = picker.get_by_role("group", name="Emoji found").get_by_role("button")
    expect(found.first).to_have_accessible_name(f"React with {ROCKET} rocket")
    expect(picker.get_by_role("status")).to_contain_text("emoji found")
    bert.page.keyboard.press("ArrowDown")
    expect(found.first).to_be_focused()
    bert.page.keyboard.press("Enter")
    expect(anna.message("to the moon").locator(".chip")).to_have_text([f"{ROCKET} 1"])
    expect(anna.message("to the moon").locator(".chip")).to_have_accessible_name(
        f"{ROCKET} 1: bert"
    )
    expect(picker).to_be_hidden()
    expect(react).to_be_focused()
    assert anna.problems == [] and bert.problems == []


def test_arrows_move_through_results_and_escape_gives_focus_back(two: Any) -> None:
    anna, bert = two
    anna.say("faces")
    message = bert.message("faces")
    react = message.get_by_role("button", name="React to anna's message")
    react.focus()
    react.press("Enter")
    picker = message.get_by_role("group", name="Pick a reaction")
    search = picker.get_by_role("searchbox", name="Search emoji")
    search.focus()
    bert.page.keyboard.type("smiling")
    found = picker.get_by_role("group", name="Emoji found").get_by_role("button")
    expect(found.nth(2)).to_be_visible()
    bert.page.keyboard.press("ArrowDown")
    expect(found.first).to_be_focused()
    bert.page.keyboard.press("ArrowRight")
    expect(found.nth(1)).to_be_focused()
    bert.page.keyboard.press("ArrowLeft")
    bert.page.keyboard.press("ArrowUp")  # from the first row: back to the search
    expect(search).to_be_focused()
    search.fill("zzzz no such emoji")
    expect(picker.get_by_role("status")).to_have_text("No emoji found for “zzzz no such emoji”")
    expect(found).to_have_count(0)
    bert.page.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(react).to_be_focused()
    expect(react).to_have_attribute("aria-expanded", "false")
    # Enter in the search reacts with the best match.
    react.press("Enter")
    search.focus()
    bert.page.keyboard.type("rocket")
    expect(found.first).to_have_accessible_name(f"React with {ROCKET} rocket")
    bert.page.keyboard.press("Enter")
    expect(anna.message("faces").locator(".chip")).to_have_text([f"{ROCKET} 1"])
    expect(react).to_be_focused()
    assert anna.problems == [] and bert.problems == []


def test_the_picker_asks_nothing_of_another_host(two: Any) -> None:
    anna, bert = two
    hosts: list[str] = []
    bert.page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    scripts: list[str] = []
    bert.page.on("request", lambda request: scripts.append(urlsplit(request.url).path))
    anna.say("no peeking")
    message = bert.message("no peeking")
    message.hover()
    message.get_by_role("button", name="React to anna's message").click()
    picker = message.get_by_role("group", name="Pick a reaction")
    search = picker.get_by_role("searchbox", name="Search emoji")
    search.fill("cat")
    found = picker.get_by_role("group", name="Emoji found").get_by_role("button")
    expect(found.first).to_be_visible()
    found.first.click()
    expect(anna.message("no peeking").locator(".chip")).to_have_count(1)
    # The emoji data came from this server; nothing went anywhere else.
    assert "/static/vendor/emoji-data.js" in scripts
    assert hosts and {host.rsplit(":", 1)[0] for host in hosts} <= LOOPBACK, hosts
    assert anna.problems == [] and bert.problems == []


def test_every_emoji_the_picker_offers_is_one_the_server_takes() -> None:
    assert web_page.built(), "the web page is not built: run `.venv/bin/securechat build-web`"
    module = (web_page.DIST / "vendor" / "emoji-data.js").read_text(encoding="utf-8")
    match = re.search(r'export default (".*");', module)
    assert match, "vendor/emoji-data.js is not one exported string"
    lines = json.loads(match.group(1)).split("\n")
    table = UnicodeEmojiTable()
    refused = [
        line.split("\t")[0] for line in lines if table.canonical(line.split("\t")[0]) is None
    ]
    assert len(lines) > 1800 and refused == []
