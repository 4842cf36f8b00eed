"""A person at the chat page: one browser context (its own storage and, when asked, its own
client address through a trusted proxy's X-Forwarded-For)."""

from __future__ import annotations

from playwright.sync_api import Browser, Dialog, Locator, Page, expect

PASSWORD = "correct horse battery staple"


class Person:
    def __init__(
        self, browser: Browser, url: str, viewport: dict[str, int], address: str | None = None
    ) -> None:
        headers = {"X-Forwarded-For": address} if address else {}
        self.context = browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            extra_http_headers=headers,
        )
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []  # script errors, alerts, policy violations
        self.confirmed: list[str] = []  # what the page asked to confirm (accepted)
        self.page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.goto(url)

    def _dialog(self, dialog: Dialog) -> None:
        if dialog.type == "confirm":
            self.confirmed.append(dialog.message)
            dialog.accept()
        else:  # nothing of ours alerts: an alert is someone's script running
            self.problems.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    def _console(self, message: object) -> None:
        text = getattr(message, "text", "")
        if "Content Security Policy" in text:
            self.problems.append(text)

    def fill_entry(self, room_id: str, name: str | None = None) -> None:
        page = self.page
        page.get_by_label("Room id").fill(room_id)
        page.get_by_label("Room password").fill(PASSWORD)
        if name is not None:  # signed in, the account's name is the name
            page.get_by_label("Display name").fill(name)

    def enter(self, room_id: str, name: str | None, create: bool = False) -> None:
        self.fill_entry(room_id, name)
        self.page.get_by_role("button", name="Create this room" if create else "Join").click()
        self.expect_connected()

    def expect_connected(self) -> None:
        expect(self.page.locator("#connection")).to_have_text("Connected", timeout=15_000)

    @property
    def box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message")

    def say(self, text: str) -> None:
        self.box.fill(text)
        self.box.press("Enter")

    def message(self, text: str) -> Locator:
        """The list item of the message with exactly this text."""
        return self.page.locator("#messages .message").filter(
            has=self.page.locator(".text", has_text=text)
        )

    def texts(self) -> Locator:
        return self.page.locator("#messages .message .text")

    def close(self) -> None:
        self.context.close()
