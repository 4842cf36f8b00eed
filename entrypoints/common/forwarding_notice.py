"""The operator's notice of forwarded headers from a peer that is not a trusted proxy."""

from __future__ import annotations

import logging

log = logging.getLogger("securechat.edge")


class UntrustedForwarding:
    """Tells the operator once per process, with the peer to add, that forwarded headers
    came from a peer SECURECHAT_TRUSTED_PROXIES does not list (and were dropped)."""

    # Behind such a proxy every client shares its address, and with it the per-address
    # limits. Never per request; one per middleware (no module state).

    __slots__ = ("warned",)

    def __init__(self) -> None:
        self.warned = False

    def seen(self, peer: object) -> None:
        if self.warned:
            return
        self.warned = True
        log.warning(
            "forwarded headers from %s are ignored: it is not in SECURECHAT_TRUSTED_PROXIES, "
            "so every client behind it shares its address and per-address limits; if it is "
            "your reverse proxy, add it there (docs/scaling.md)",
            peer,
        )
