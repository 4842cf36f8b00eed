"""Delivery in a real browser, on both runtimes: a message typed while the server is down
stays pending in the list and arrives exactly once when it returns (the page resends it
with its client_id); the changes posted while a page was offline all reach it on rejoin
(`since`), in order, none twice; when the server cannot replay them all
(`recovered: false`) the page reloads the room and says so in one line."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.contract.client import Api, Room
from tests.contract.harness import ServerProcess
from tests.web.conftest import DESKTOP
from tests.web.people import PASSWORD, Person


def _own_server(runtime: str, tmp_path: Path, **settings: str) -> ServerProcess:
    """A server of the runtime on SQLite, which a test may stop and start (same data)."""
    env = {"SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48), **settings}
    process = ServerProcess(runtime, tmp_path / "data", f"sqlite:///{tmp_path}/chat.db", env)
    process.env["SECURECHAT_AUTO_MIGRATE"] = "1"
    return process.start()


@pytest.fixture
def restartable(server: ServerProcess, tmp_path: Path) -> Iterator[ServerProcess]:
    process = _own_server(server.runtime, tmp_path)
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


@pytest.fixture
def short_memory(server: ServerProcess, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server that replays at most 10 changes on a rejoin."""
    process = _own_server(server.runtime, tmp_path, SECURECHAT_RECOVERY_LIMIT="10")
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


def _room(url: str) -> Room:
    api = Api(url)
    try:
        return api.create_room("r_" + secrets.token_hex(5), PASSWORD)
    finally:
        api.close()


def _nothing_stored(person: Person) -> None:
    """No token (nor anything else) in storage that script can read."""
    kept = "() => [localStorage.length, sessionStorage.length, document.cookie]"
    assert person.page.evaluate(kept) == [0, 0, ""]


def _count_most(person: Person, text: str) -> None:
    """From now on, window.mostShown is the most items with this text the list ever held."""
    person.page.evaluate(
        """text => {
            window.mostShown = 0;
            const list = document.getElementById("messages");
            new MutationObserver(() => {
                const shown = [...list.querySelectorAll(".message .text")]
                    .filter((p) => p.textContent === text).length;
                window.mostShown = Math.max(window.mostShown, shown);
            }).observe(list, { childList: true, subtree: true, characterData: true });
        }""",
        text,
    )


def _offline(person: Person) -> None:
    person.context.set_offline(True)
    expect(person.page.locator("#connection")).not_to_have_text("Connected", timeout=15_000)


def test_a_message_typed_while_the_server_is_down_arrives_once(
    browser: Browser, restartable: ServerProcess
) -> None:
    room = _room(restartable.url)
    anna = Person(browser, restartable.url + "/", DESKTOP)
    bert = Person(browser, restartable.url + "/", DESKTOP)
    try:
        anna.enter(room.room_id, "anna")
        bert.enter(room.room_id, "bert")
        anna.say("before")
        expect(bert.texts()).to_have_text(["before"])

        restartable.stop()
        expect(anna.page.locator("#connection")).not_to_have_text("Connected")
        anna.say("typed while the server was down")
        # Not cleared, not lost: pending in the list, and the box is free for the next one.
        pending = anna.page.locator("#messages .message.pending")
        expect(pending).to_have_count(1)
        expect(pending.locator(".text")).to_have_text("typed while the server was down")
        expect(anna.box).to_have_value("")
        restartable.start()  # same port, same data

        anna.expect_connected()
        bert.expect_connected()
        expected = ["before", "typed while the server was down"]
        for person in (anna, bert):
            expect(person.texts()).to_have_text(expected, timeout=15_000)
        expect(pending).to_have_count(0)
        api = Api(restartable.url)
        try:
            assert api.texts(room.room_id, room.admin_token) == expected  # stored once
        finally:
            api.close()
        # A send while connected: its pending item becomes the message, never shown twice.
        _count_most(anna, "after")
        anna.say("after")
        for person in (anna, bert):
            expect(person.texts()).to_have_text([*expected, "after"])
        assert anna.page.evaluate("() => window.mostShown") == 1
        _nothing_stored(anna)
        assert anna.problems == [] and bert.problems == []
    finally:
        anna.close()
        bert.close()


def test_eighty_messages_posted_while_a_page_was_offline_all_appear_in_order(
    browser: Browser, server: ServerProcess
) -> None:
    room = _room(server.url)
    api = Api(server.url)
    anna = Person(browser, server.url + "/", DESKTOP)
    try:
        anna.enter(room.room_id, "anna")
        anna.say("before")
        anna.say("to be deleted")
        expect(anna.texts()).to_have_text(["before", "to be deleted"])
        # Shown at once as pending; stored once the server has acknowledged it.
        expect(anna.page.locator("#messages .message.pending")).to_have_count(0)

        gone = next(
            m["id"]
            for m in api.messages(room.room_id, room.admin_token).json()["messages"]
            if m["message"] == "to be deleted"
        )

        _offline(anna)
        sent = [f"m{n:02d}" for n in range(80)]  # more than a page of history (50)
        for text in sent:
            assert api.post(room.room_id, room.admin_token, text).status_code == 201
        deleted = api.http.delete(
            f"/chat/{room.room_id}/messages/{gone}",
            headers={"Authorization": f"Bearer {room.admin_token}"},
        )
        assert deleted.status_code in (200, 204), deleted.text
        anna.context.set_offline(False)

        anna.expect_connected()
        expect(anna.texts()).to_have_text(["before", *sent], timeout=15_000)
        expect(anna.page.locator("#delivery-note")).to_be_hidden()  # recovered: no reload
        _nothing_stored(anna)
        assert anna.problems == []
    finally:
        anna.close()
        api.close()


def test_a_rejoin_past_the_recovery_limit_reloads_the_room_and_says_so(
    browser: Browser, short_memory: ServerProcess
) -> None:
    room = _room(short_memory.url)
    api = Api(short_memory.url)
    anna = Person(browser, short_memory.url + "/", DESKTOP)
    try:
        anna.enter(room.room_id, "anna")
        anna.say("before")
        expect(anna.texts()).to_have_text(["before"])

        _offline(anna)
        sent = [f"m{n:02d}" for n in range(20)]  # twice the limit (10)
        for text in sent:
            assert api.post(room.room_id, room.admin_token, text).status_code == 201
        anna.context.set_offline(False)

        anna.expect_connected()
        expect(anna.texts()).to_have_text(["before", *sent], timeout=15_000)
        expect(anna.page.locator("#delivery-note")).to_be_visible()
        expect(anna.page.locator("#delivery-note")).to_contain_text("reloaded")
        assert anna.problems == []
    finally:
        anna.close()
        api.close()
