"""Browser tests: the built page in Debian's Chromium (headless), driven by Playwright,
against a production server of each runtime.

The page must be built (`securechat build-web`, part of the README's test command) and
Chromium installed (`.ci/run` installs it): without either these tests fail, saying which.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from entrypoints.common import web_page
from tests.contract.harness import ServerProcess

CHROMIUM = os.environ.get("SECURECHAT_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
# Set to write the screenshots that docs/ shows (docs/screenshots/); else a temporary folder.
SCREENSHOTS = os.environ.get("SECURECHAT_SCREENSHOTS")


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in this
# thread while it is open, and a parallel worker runs other modules (asyncio.run) after it.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    assert web_page.built(), "the web page is not built: run `.venv/bin/securechat build-web`"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium"
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    """Every flow runs on a desktop and on a phone."""
    return dict(request.param)


@pytest.fixture(scope="module", params=("flask", "quart"))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    runtime = str(request.param)
    env = {"SECURECHAT_JWT_SECRET": secrets.token_urlsafe(48)}
    process = ServerProcess(runtime, tmp_path_factory.mktemp(f"web-{runtime}"), "memory", env)
    process.start()
    yield process
    process.stop()
    assert "Traceback" not in process.stderr_text()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go."""
    if SCREENSHOTS:
        folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path
