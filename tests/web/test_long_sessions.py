"""A person in a room for longer than a token lives, in a real browser, on both runtimes:
with 20-second room and access tokens, a guest and an account stay in the room and chat
past a minute (the page renews on `token_expiring` and on its own timer, over REST and
then the socket's `renew`), and are never told their session ended."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.client import Api
from tests.contract.harness import ServerProcess
from tests.web.conftest import DESKTOP
from tests.web.people import PASSWORD, Person
from tests.web.test_accounts import _register

TTL = 20


@pytest.fixture(scope="module")
def short_tokens(
    server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server of the module's runtime whose room and access tokens last 20 seconds."""
    env = {
        "SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48),
        "SECURECHAT_ROOM_TOKEN_TTL": str(TTL),
        "SECURECHAT_USER_TOKEN_TTL": str(TTL),
        "SECURECHAT_TOKEN_WARNING_SECONDS": "8",
    }
    data = tmp_path_factory.mktemp(f"short-{server.runtime}")
    process = ServerProcess(server.runtime, data, "memory", env)
    process.start()
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


def test_a_guest_and_an_account_chat_past_a_minute_on_20_second_tokens(
    browser: Browser, short_tokens: ServerProcess
) -> None:
    api = Api(short_tokens.url)
    room = api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    anna = Person(browser, short_tokens.url + "/", DESKTOP)
    cara = Person(browser, short_tokens.url + "/", DESKTOP)
    try:
        started = time.monotonic()
        anna.enter(room.room_id, "anna")
        _register(cara, "cara_" + secrets.token_hex(3))
        cara.enter(room.room_id, None)
        anna.say("at the start")
        expect(cara.message("at the start")).to_have_count(1)
        while time.monotonic() - started < 3 * TTL + 5:  # three tokens' lives and more
            anna.page.wait_for_timeout(5000)
            for person in (anna, cara):
                expect(person.page.locator("#connection")).to_have_text("Connected")
        anna.say("a minute later, from anna")
        cara.say("a minute later, from cara")
        for person in (anna, cara):
            expect(person.message("a minute later, from anna")).to_have_count(1)
            expect(person.message("a minute later, from cara")).to_have_count(1)
            expect(person.page.locator("#room-ended")).to_be_hidden()
            assert person.problems == []
        texts = api.texts(room.room_id, room.admin_token)
        assert texts[-2:] == ["a minute later, from anna", "a minute later, from cara"]
    finally:
        anna.close()
        cara.close()
        api.close()
