"""A message's text in a real browser, on both runtimes: a safe Markdown subset (emphasis,
code, quotes, lists, links, autolinked URLs opening in a new tab without an opener), while
raw HTML, `javascript:` links and scripts stay inert text; a multi-line composer (Enter
sends, Shift+Enter adds a line); `@name` mentions highlighted."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.contract.client import Api, Room
from tests.contract.harness import ServerProcess
from tests.web.people import PASSWORD, Person

URL = "https://example.com/docs?page=1"


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


def test_markdown_renders_and_links_open_safely(two: Any) -> None:
    anna, bert, _ = two
    anna.say(f"**bold** and _soft_ and `code` at {URL}\n\n> quoted\n\n- one\n- two")
    text = bert.page.locator("#messages .message .text").last
    expect(text.locator("strong")).to_have_text("bold")
    expect(text.locator("em")).to_have_text("soft")
    expect(text.locator("code")).to_have_text("code")
    expect(text.locator("blockquote")).to_have_text("quoted")
    expect(text.locator("li")).to_have_text(["one", "two"])
    link = text.get_by_role("link", name=URL)
    expect(link).to_have_attribute("href", URL)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    # Followed, it opens in a new tab that cannot reach back (no opener); the site is stood
    # in for here.
    def stand_in(route: Route) -> None:
        route.fulfill(body="<p>elsewhere</p>", content_type="text/html")

    bert.context.route("https://example.com/**", stand_in)
    with bert.context.expect_page() as opened:
        # Followed from the keyboard: a wrapped link's middle (where a click lands) may be
        # between its two lines on a phone.
        link.focus()
        link.press("Enter")
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == URL
    assert tab.evaluate("() => window.opener") is None
    tab.close()
    assert anna.problems == [] and bert.problems == []


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[click me](javascript:alert(3))",
    '<a href="javascript:alert(4)">or me</a>',
    "![pic](https://example.com/pic.png)",
]


def test_hostile_markup_stays_inert_text(two: Any, server: ServerProcess) -> None:
    anna, bert, _ = two
    requests: list[str] = []
    bert.page.on("request", lambda request: requests.append(request.url))
    for text in HOSTILE:
        anna.say(text)
    texts = bert.page.locator("#messages .message .text")
    expect(texts).to_have_count(len(HOSTILE))
    # Raw HTML is the text it is.
    expect(texts.nth(0)).to_have_text(HOSTILE[0])
    expect(texts.nth(1)).to_have_text(HOSTILE[1])
    messages = bert.page.locator("#messages")
    assert messages.locator("img, script, iframe, [onerror]").count() == 0
    # A javascript: link keeps its words and loses its address; nothing is clickable to run.
    expect(texts.nth(2)).to_have_text("click me")
    expect(texts.nth(3)).to_contain_text("or me")
    assert messages.locator("a[href^='javascript' i]").count() == 0
    texts.nth(2).click()
    texts.nth(3).click()
    expect(texts.nth(4)).to_have_text("pic")  # an image: its words, nothing loaded
    bert.page.wait_for_timeout(300)  # an onerror or a click's script would have run by now
    assert [u for u in requests if u.endswith("/x") or "example.com" in u] == []
    assert anna.problems == [] and bert.problems == []


def test_shift_enter_makes_a_two_line_message(two: Any, server: ServerProcess) -> None:
    anna, bert, room_id = two
    box = anna.box
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    expect(anna.page.locator("#messages .message")).to_have_count(0)  # not sent yet
    rows_before = int(box.get_attribute("rows") or "1")
    assert rows_before == 2  # the composer grew with its lines
    box.press("Enter")
    text = bert.page.locator("#messages .message .text").last
    expect(text.locator("br")).to_have_count(1)
    assert text.inner_text().splitlines() == ["first line", "second line"]
    expect(box).to_have_value("")
    assert box.get_attribute("rows") == "1"
    api = Api(server.url)
    try:
        reader = api.token(Room(room_id, "", PASSWORD), "reader")
        stored = api.messages(room_id, reader).json()["messages"]
        assert [m["message"] for m in stored] == ["first line\nsecond line"]
    finally:
        api.close()
    assert anna.problems == [] and bert.problems == []


def test_mentions_are_highlighted(two: Any) -> None:
    anna, bert, _ = two
    # Only the names of people in the room are mentions: anna's page knows bert's first.
    expect(anna.page.locator("#online-list li")).to_have_count(2)
    anna.say("hi @bert, and `@anna` in code is not one, nor @nobody")
    mention = bert.page.locator("#messages .message .text .mention").last
    expect(mention).to_have_text("@bert")
    expect(mention).to_have_class("mention me")  # one's own name: for oneself
    on_annas = anna.page.locator("#messages .message .text .mention")
    expect(on_annas).to_have_count(1)
    expect(on_annas).to_have_class("mention")
    assert anna.problems == [] and bert.problems == []
