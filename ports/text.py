from __future__ import annotations

from typing import Protocol


class EmojiTable(Protocol):
    """Which texts are one emoji, from a maintained table of them (Unicode's emoji-test)."""

    def canonical(self, text: str) -> str | None:
        """The fully-qualified form of `text` when it is one emoji the table lists (in any
        qualification, or with a variation selector its base takes), else None."""
        ...
