"""The chat page in a real browser, on both runtimes, on a desktop and on a phone: two
people chat in one room and see each other's messages, presence and typing live; a hostile
message is shown as text and runs nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.harness import ServerProcess
from tests.web.conftest import PHONE
from tests.web.people import PASSWORD, Person

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def two(browser: Browser, server: ServerProcess, viewport: dict[str, int]) -> Iterator[Any]:
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    yield anna, bert
    anna.close()
    bert.close()


def test_two_people_chat_live(two: Any, viewport: dict[str, int], shots: Path) -> None:
    anna, bert = two
    room_id = "r_" + secrets.token_hex(5)
    anna.enter(room_id, "anna", create=True)
    bert.enter(room_id, "bert")

    # Each sees the other online.
    for person in (anna, bert):
        expect(person.page.locator("#online-list li")).to_have_count(2)
        expect(person.page.locator("#online-count")).to_have_text("2")

    anna.say("hello bert")
    expect(bert.page.locator("#messages .message .text").last).to_have_text("hello bert")
    expect(bert.page.locator("#messages .message .author").last).to_have_text("anna")

    # A reaction shows live on the other side, and toggles off again.
    greeting = bert.message("hello bert")
    greeting.hover()  # a message's actions show on hover (and on keyboard focus)
    greeting.get_by_role("button", name="React to anna's message").click()
    greeting.get_by_role("button", name="React with 👍").click()
    on_annas_side = anna.message("hello bert").locator(".chip")
    expect(on_annas_side).to_have_text(["👍 1"])
    expect(greeting.locator(".chip")).to_have_attribute("aria-pressed", "true")
    greeting.locator(".chip").click()
    expect(on_annas_side).to_have_count(0)

    # Typing shows on the other side, and goes when the message is sent.
    bert.page.get_by_role("textbox", name="Message").press_sequentially("hi an", delay=20)
    expect(anna.page.locator("#typing")).to_have_text("bert is typing…")
    bert.page.get_by_role("textbox", name="Message").press_sequentially("na", delay=20)
    bert.page.get_by_role("textbox", name="Message").press("Enter")
    expect(anna.page.locator("#messages .message .text").last).to_have_text("hi anna")
    expect(anna.page.locator("#typing")).to_have_text("")

    # ... and the other way round: anna types and reacts, bert sees both.
    anna.box.press_sequentially("one mo", delay=20)
    expect(bert.page.locator("#typing")).to_have_text("anna is typing…")
    anna.box.fill("")
    reply = anna.message("hi anna")
    reply.hover()
    reply.get_by_role("button", name="React to bert's message").click()
    reply.get_by_role("button", name="React with 🎉").click()
    expect(bert.message("hi anna").locator(".chip")).to_have_text(["🎉 1"])

    # Bert leaves: anna's list shrinks.
    bert.page.get_by_role("button", name="Leave").click()
    expect(anna.page.locator("#online-list li")).to_have_count(1)
    kind = "phone" if viewport == PHONE else "desktop"
    anna.page.screenshot(path=str(shots / f"chat-{kind}.png"))
    assert anna.problems == [] and bert.problems == []


def test_a_hostile_message_is_text_and_runs_nothing(two: Any) -> None:
    anna, bert = two
    room_id = "r_" + secrets.token_hex(5)
    anna.enter(room_id, "anna", create=True)
    bert.enter(room_id, HOSTILE)  # as a name, too

    bert.say(HOSTILE)

    last = anna.page.locator("#messages .message").last
    expect(last.locator(".text")).to_have_text(HOSTILE)
    expect(last.locator(".author")).to_have_text(HOSTILE)
    assert anna.page.locator("#messages img, #online-list img").count() == 0
    anna.page.wait_for_timeout(300)  # an onerror would have fired by now
    assert anna.problems == [] and bert.problems == []


def test_a_refusal_is_shown_in_words(two: Any) -> None:
    anna, _ = two
    page = anna.page
    page.get_by_label("Room id").fill("r_" + secrets.token_hex(5))
    page.get_by_label("Room password").fill(PASSWORD)
    page.get_by_role("button", name="Join").click()
    # The API's own words (room ids are names, not secrets: see docs/security.md).
    expect(page.get_by_role("alert")).to_have_text("no such room")
    expect(page.locator("#connection")).to_have_text("Not connected")
