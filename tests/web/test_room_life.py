"""The live room in a real browser, on both runtimes, on a desktop and on a phone: history
older than a page loads on scroll, one's own message can be deleted (after a confirmation)
and goes for everyone, and the connection recovers by itself after the server restarts,
with the messages sent meanwhile."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from domain.usecases.access import verify_token
from domain.usecases.send_message import send_message
from entrypoints.common.bootstrap import build_core
from entrypoints.common.settings import Settings
from tests.contract.client import Api, Room
from tests.contract.harness import ServerProcess
from tests.web.people import PASSWORD, Person


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.close()


def _room(api: Api) -> Room:
    return api.create_room("r_" + secrets.token_hex(5), PASSWORD)


def test_older_history_loads_on_scroll(
    browser: Browser, server: ServerProcess, api: Api, viewport: dict[str, int]
) -> None:
    room = _room(api)
    for n in range(60):  # more than a page (50)
        assert api.post(room.room_id, room.admin_token, f"m{n:02d}").status_code == 201
    anna = Person(browser, server.url + "/", viewport)
    try:
        anna.enter(room.room_id, "anna")
        expect(anna.texts()).to_have_count(50)
        expect(anna.texts().first).to_have_text("m10")
        expect(anna.texts().last).to_have_text("m59")
        anna.page.locator("#messages").evaluate("list => list.scrollTop = 0")
        expect(anna.texts()).to_have_count(60)
        expect(anna.texts().first).to_have_text("m00")
        # The start of history: nothing more to load.
        expect(anna.page.get_by_role("button", name="Load older messages")).to_be_hidden()
        assert anna.problems == []
    finally:
        anna.close()


def test_deleting_ones_own_message_after_a_confirmation(
    browser: Browser, server: ServerProcess, api: Api, viewport: dict[str, int]
) -> None:
    room = _room(api)
    anna = Person(browser, server.url + "/", viewport)
    bert = Person(browser, server.url + "/", viewport)
    try:
        anna.enter(room.room_id, "anna")
        bert.enter(room.room_id, "bert")
        anna.say("from anna")
        bert.say("oops")
        expect(anna.message("oops")).to_have_count(1)
        # Only one's own messages offer a delete.
        expect(bert.message("from anna").get_by_role("button", name="Delete")).to_have_count(0)

        bert.message("oops").hover()  # its actions show on hover
        bert.message("oops").get_by_role("button", name="Delete bert's message").click()

        expect(anna.message("oops")).to_have_count(0)
        expect(bert.message("oops")).to_have_count(0)
        expect(anna.message("from anna")).to_have_count(1)
        assert bert.confirmed == ["Delete this message for everyone?"]
        assert api.texts(room.room_id, room.admin_token) == ["from anna"]
        assert anna.problems == [] and bert.problems == []
    finally:
        anna.close()
        bert.close()


@pytest.fixture
def restartable(server: ServerProcess, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the module's runtime on SQLite, which a test may stop and start."""
    env = {"SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48)}
    url = f"sqlite:///{tmp_path}/chat.db"
    process = ServerProcess(server.runtime, tmp_path / "data", url, env)
    process.env["SECURECHAT_AUTO_MIGRATE"] = "1"
    process.start()
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


def _send_while_down(process: ServerProcess, admin_token: str, room_id: str, text: str) -> None:
    """Store a message the way the server would, while it is down (same data, same keys)."""
    settings = Settings.from_env(
        {
            "SECURECHAT_JWT_SECRET": process.env["SECURECHAT_JWT_SECRET"],
            "SECURECHAT_DATA_DIR": str(process.data_dir),
            "SECURECHAT_DATABASE_URL": str(process.database),
        }
    )
    core = build_core(settings)
    try:
        send_message(core.deps, verify_token(core.deps, admin_token), room_id, text)
    finally:
        core.close()


def test_the_connection_recovers_after_a_restart_with_the_missed_messages(
    browser: Browser, restartable: ServerProcess, viewport: dict[str, int]
) -> None:
    api = Api(restartable.url)
    room = _room(api)
    api.close()
    anna = Person(browser, restartable.url + "/", viewport)
    try:
        anna.enter(room.room_id, "anna")
        anna.say("before")
        expect(anna.texts()).to_have_text(["before"])

        restartable.stop()
        expect(anna.page.locator("#connection")).not_to_have_text("Connected")
        _send_while_down(restartable, room.admin_token, room.room_id, "while you were away")
        restartable.start()  # same port, same data

        anna.expect_connected()
        expect(anna.texts()).to_have_text(["before", "while you were away"])
        anna.say("after")
        expect(anna.texts()).to_have_text(["before", "while you were away", "after"])
        assert anna.problems == []
    finally:
        anna.close()
