"""The emoji table of the `emoji` package (Unicode's emoji-test.txt, kept up to date there),
as one dict from every accepted spelling to its fully-qualified form."""

from __future__ import annotations

import emoji

_VS15, _VS16 = "\ufe0e", "\ufe0f"  # text and emoji presentation selectors
_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
_SPELLINGS = (
    _FULLY_QUALIFIED,
    emoji.STATUS["minimally_qualified"],
    emoji.STATUS["unqualified"],
)  # not "component": a skin tone or hair swatch alone is no emoji


class UnicodeEmojiTable:
    """`canonical` maps each listed emoji sequence in any qualification, and a lone emoji
    with one VS15 or VS16, to its fully-qualified form (so 👍, 👍︎ and 👍️ are one); else None."""

    # Refused (None): repeated selectors or skin tones, stray tags, unassigned code points, 🄰.
    # Which emoji take a selector is emoji-variation-sequences.txt's list.
    def __init__(self) -> None:
        data = emoji.EMOJI_DATA
        # Qualified forms differ only in their VS16s: without them, one key per emoji.
        full = {e.replace(_VS16, ""): e for e, d in data.items() if d["status"] == _FULLY_QUALIFIED}
        forms: dict[str, str] = {}
        for text, entry in data.items():
            if entry["status"] not in _SPELLINGS:
                continue
            bare = text.replace(_VS16, "")
            forms[text] = full[bare]
            if entry.get("variant") and len(bare) == 1:
                forms.setdefault(bare + _VS15, full[bare])
                forms.setdefault(bare + _VS16, full[bare])
        self._forms = forms
        self.longest = max(len(text) for text in forms)

    def canonical(self, text: str) -> str | None:
        return self._forms.get(text)
