"""The conversation view in a real browser, on both runtimes: the list fills the room between
header and composer at every size from 360 px; consecutive messages of one author are
grouped; one's own are marked; authors have an avatar of initials in a stable colour; the
actions live in a toolbar shown on hover and focus; day separators; full time on focus;
"New messages ↓" when one comes while scrolled up; edit in place; "Copy" puts the text as
written on the clipboard; no third-party request."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.client import Api
from tests.contract.harness import ServerProcess
from tests.web.people import PASSWORD, Person

OWN = re.compile(r"\bown\b")


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()


@pytest.fixture
def two(browser: Browser, server: ServerProcess, viewport: dict[str, int]) -> Iterator[Any]:
    room_id = "r_" + secrets.token_hex(5)
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    anna.enter(room_id, "anna lind", create=True)
    bert.enter(room_id, "bert")
    yield anna, bert
    anna.close()
    bert.close()


@pytest.mark.parametrize(
    "size", [(360, 640), (375, 812), (768, 1024), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_the_list_fills_the_room_at_every_size(
    browser: Browser, server: ServerProcess, size: tuple[int, int], tmp_path: Path
) -> None:
    width, height = size
    anna = Person(browser, server.url + "/", {"width": width, "height": height})
    try:
        anna.enter("r_" + secrets.token_hex(5), "anna", create=True)
        anna.page.get_by_role("button", name="Done").click()  # the admin credential kept
        anna.say("hello")
        expect(anna.texts()).to_have_count(1)
        box = anna.page.evaluate(
            """() => {
                const r = (selector) => document.querySelector(selector).getBoundingClientRect();
                return { head: r("#room .room-head").bottom, list: r("#messages"),
                         composer: r("#send-form"), height: innerHeight,
                         scroll: document.documentElement.scrollHeight };
            }"""
        )
        anna.page.screenshot(path=str(tmp_path / f"room-{width}x{height}.png"))
        # Only the list scrolls; the composer sits at the bottom of the viewport...
        assert box["scroll"] <= box["height"] + 1, box
        assert box["height"] - box["composer"]["bottom"] < 48, box
        # ... and the list takes what is between: no dead space under the composer.
        assert box["list"]["top"] - box["head"] < 120, box
        assert 0 <= box["composer"]["top"] - box["list"]["bottom"] < 80, box
        assert box["list"]["height"] > height * 0.35, box
        assert anna.problems == []
    finally:
        anna.close()


def test_grouping_own_messages_and_avatars(two: Any) -> None:
    anna, bert = two
    requests: list[str] = []
    for person in (anna, bert):
        person.page.on("request", lambda request: requests.append(request.url))
    for text in ("first", "second", "third"):
        anna.say(text)
        expect(bert.message(text)).to_have_count(1)
    bert.say("fourth")
    expect(anna.message("fourth")).to_have_count(1)

    for person in (anna, bert):
        # One name and time over anna's three; bert's own starts a group of its own.
        classes = [
            person.message(t).get_attribute("class") or ""
            for t in ("first", "second", "third", "fourth")
        ]
        assert ["grouped" in c for c in classes] == [False, True, True, False], classes
        expect(person.page.locator("#messages .day")).to_have_text(["Today"])
    # One's own messages are marked, in words too; others' are not.
    expect(anna.message("first")).to_have_class(OWN)
    expect(anna.message("first").locator(".you-mark")).to_have_text("you")
    expect(bert.message("first")).not_to_have_class(OWN)
    expect(bert.message("fourth")).to_have_class(OWN)
    # An avatar of initials, in the same colour on both pages.
    annas = anna.message("first").locator(".avatar")
    expect(annas).to_have_text("AL")
    assert annas.get_attribute("class") == bert.message("first").locator(".avatar").get_attribute(
        "class"
    )
    expect(bert.message("fourth").locator(".avatar")).to_have_text("BE")
    # Nothing from another origin: no avatar URL, no font, no CDN.
    origin = anna.page.url.split("/")[2]
    assert [u for u in requests if u.split("/")[2] != origin] == []
    assert anna.problems == [] and bert.problems == []


def test_actions_show_on_hover_and_focus_and_time_in_full(two: Any) -> None:
    anna, bert = two
    anna.say("look at me")
    message = bert.message("look at me")
    tools = message.locator(".tools")
    expect(tools).to_have_css("opacity", "0")
    # Another's message: React and Copy, no Edit, no Delete.
    expect(message.get_by_role("button", name="Delete anna lind's message")).to_have_count(0)
    expect(message.get_by_role("button", name="Edit your message")).to_have_count(0)
    message.hover()
    expect(tools).to_have_css("opacity", "1")
    bert.page.mouse.move(0, 0)
    expect(tools).to_have_css("opacity", "0")
    message.get_by_role("button", name="React to anna lind's message").focus()
    expect(tools).to_have_css("opacity", "1")
    time = message.locator("time")
    assert time.get_attribute("datetime")
    expect(time.locator(".full")).to_be_visible()  # the full date and time, on focus
    assert (time.get_attribute("title") or "").strip()
    # One's own: Edit and Delete as well.
    own = anna.message("look at me")
    expect(own.get_by_role("button", name="Edit your message")).to_have_count(1)
    expect(own.get_by_role("button", name="Delete anna lind's message")).to_have_count(1)
    assert anna.problems == [] and bert.problems == []


def test_edit_in_place(two: Any) -> None:
    anna, bert = two
    anna.say("helo")
    own = anna.message("helo")
    edit = own.get_by_role("button", name="Edit your message")
    edit.focus()
    edit.press("Enter")
    box = anna.page.get_by_role("textbox", name="Edit your message (Enter saves, Escape cancels)")
    expect(box).to_be_focused()
    box.fill("never mind")
    box.press("Escape")  # cancelled: nothing changes, focus goes back
    expect(box).to_have_count(0)
    expect(edit).to_be_focused()
    expect(bert.message("helo").locator(".edited")).to_be_empty()
    edit.press("Enter")
    box.fill("hello")
    box.press("Enter")
    theirs = bert.message("hello")
    expect(theirs.locator(".edited")).to_have_text("(edited)")
    assert (theirs.locator(".edited").get_attribute("title") or "").startswith("edited ")
    edited = anna.message("hello").get_by_role("button", name="Edit your message")
    expect(edited).to_be_focused()
    assert anna.problems == [] and bert.problems == []


def test_new_messages_hint_when_scrolled_up(
    browser: Browser, server: ServerProcess, api: Api, viewport: dict[str, int]
) -> None:
    room = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    carl = api.token(room, "carl")
    for n in range(40):
        assert api.post(room.room_id, carl, f"line {n}").status_code == 201
    anna = Person(browser, server.url + "/", viewport)
    try:
        anna.enter(room.room_id, "anna")
        expect(anna.texts()).to_have_count(40)
        hint = anna.page.get_by_role("button", name="New messages ↓")
        anna.page.locator("#messages").evaluate("list => list.scrollTop = list.scrollHeight / 3")
        assert api.post(room.room_id, carl, "news").status_code == 201
        expect(anna.message("news")).to_have_count(1)
        expect(hint).to_be_visible()
        hint.click()
        expect(hint).to_be_hidden()
        expect(anna.page.locator("#messages")).to_be_focused()
        expect(anna.message("news")).to_be_in_viewport()
        # At the end of the list, a new message shows without the hint.
        assert api.post(room.room_id, carl, "more news").status_code == 201
        expect(anna.message("more news")).to_be_in_viewport()
        expect(hint).to_be_hidden()
        assert anna.problems == []
    finally:
        anna.close()


def test_day_separators(browser: Browser, server: ServerProcess) -> None:
    """Messages of three days, laid out by the page's own code: a separator before each
    day's first message, and no group across a day's change."""
    anna = Person(browser, server.url + "/", {"width": 1280, "height": 800})
    try:
        days = anna.page.evaluate(
            """async () => {
                const { messageItem } = await import("/static/messages.js");
                const { regroup } = await import("/static/timeline.js");
                const actions = { me: () => "u1", mayDelete: () => false };
                const list = document.createElement("ol");
                const at = (iso, id) => messageItem({ id, user_id: "u2", username: "b",
                    message: id, timestamp: iso, edited_at: null, reactions: {} }, actions);
                list.append(at("2026-01-05T10:00:00Z", "a"), at("2026-01-05T10:01:00Z", "b"),
                            at("2026-01-06T10:00:00Z", "c"), at("2026-03-01T10:00:00Z", "d"));
                regroup(list);
                regroup(list); // again: the same, not twice the separators
                return [...list.children].map((li) =>
                    li.classList.contains("day") ? "day" :
                    li.dataset.id + (li.classList.contains("grouped") ? "+" : ""));
            }"""
        )
        assert days == ["day", "a", "b+", "day", "c", "day", "d"]
        assert anna.problems == []
    finally:
        anna.close()


def test_copy_text_puts_the_message_as_written_on_the_clipboard(two: Any) -> None:
    anna, bert = two
    written = "**bold** and `code`\nsecond line https://example.org/x"
    anna.say(written)
    expect(bert.message("second line").locator(".text strong")).to_have_text("bold")  # rendered
    message_id = bert.message("second line").get_attribute("data-id")
    message = bert.page.locator(f'#messages .message[data-id="{message_id}"]')  # through edits
    bert.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = message.get_by_role("button", name="Copy the text of anna lind's message")
    copy.focus()
    copy.press("Enter")
    expect(copy).to_have_text("Copied")
    assert bert.page.evaluate("() => navigator.clipboard.readText()") == written
    expect(copy).to_have_text("Copy")  # and back, for the next time
    # After an edit, the new text is what is copied.
    edit = anna.message("second line").get_by_role("button", name="Edit your message")
    edit.focus()
    edit.press("Enter")
    box = anna.page.get_by_role("textbox", name="Edit your message (Enter saves, Escape cancels)")
    box.fill("now *this*")
    box.press("Enter")
    expect(bert.message("now this").locator(".edited")).to_have_text("(edited)")
    copy.focus()
    copy.press("Enter")
    expect(copy).to_have_text("Copied")
    assert bert.page.evaluate("() => navigator.clipboard.readText()") == "now *this*"
    assert anna.problems == [] and bert.problems == []
