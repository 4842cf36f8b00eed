"""Abuse limits: which routes and socket events count attempts, under which rules, by what.

A route of `http_api.ROUTES` names its limits, and admission.py adds the password rules to
a password attempt; `ServerBase.view_steps` counts the attempt before anything else runs (no
password hashed, no token or storage read), and one over a limit is
a 429 `rate_limited` with `Retry-After`, whatever the request would have been. A limit by
identity ("user") is counted once the bearer token is verified, before the send it guards.
A socket event names its own (`socket_api.SOCKET_EVENTS`), counted by `ServerBase.event_steps`
before its handler runs, by the connection's identity and address; over a limit, the ack is
the error `rate_limited` with `retry_after`. Password
attempts count per client address across all rooms and per (room, address); those that will
cost a hash also per room from all addresses, a ceiling past which the room is not shut but
each address prefix gets a small budget of its own on it (admission.count); while a limit
holds, even the right password is refused, so the limit tells a guesser nothing. Tokens are
never limited here: their holders are not locked out by someone else's guessing.

Rates are `limits` strings; the defaults are below, SECURECHAT_RATE_LIMITS overrides them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

# rule -> rate. Each rule is one budget, shared by every route that names it.
DEFAULT_RATE_LIMITS: dict[str, str] = {
    # Password attempts (admission.py decides what is one, from the decoded input).
    "password_ip": "30/minute",  # room- and admin-password attempts from one address, any room
    "password_room_ip": "10/minute",  # ... on one room from one address
    # Only attempts that will cost a hash count on: the room-wide ceiling, and, once a room is
    # past it, a budget per address prefix (IPv4 /24, IPv6 /48) on that room, so a guesser
    # spread over many addresses is slowed without shutting out newcomers from elsewhere.
    "password_room": "300/minute",  # ... hashed, on one room from all addresses
    "password_room_prefix": "10/minute",  # ... hashed, on a room past its ceiling, per prefix
    "login_ip": "30/minute",  # account sign-ins from one address
    "signup_ip": "20/hour",  # new accounts and new rooms from one address
    # Per identity (a token's user_id, shared by all its connections and requests). A person
    # typing never sends 30 messages in 10 seconds, nor 60 socket events (a reconnecting
    # client rejoining its rooms included); a script flooding a room is held to 3 a second.
    "message_user": "30/10 seconds",  # messages, REST and socket alike
    "event_user": "60/10 seconds",  # socket events of every kind (a message counts here too)
    # Socket connects (each one tells a room its identity came and went): a tab reconnecting
    # now and then never makes 30 a minute; an address's 200 sockets may all reconnect at once
    # (a server restart) within one window.
    "connect_user": "30/minute",
    "connect_ip": "300/minute",
}


@dataclass(frozen=True, slots=True)
class Limit:
    """A rule and what its key is made of: "ip" (`edge.address_key`), "user" (the identity's
    user_id), or a parameter by name (the path's, or admission.py's: room, address prefix)."""

    rule: str
    by: tuple[str, ...]

    def key(self, address: str, path_params: Mapping[str, str], user: str = "") -> tuple[str, ...]:
        return tuple(
            address if part == "ip" else user if part == "user" else path_params.get(part, "")
            for part in self.by
        )

    @property
    def by_identity(self) -> bool:
        """Counted once a token is verified, not before anything runs."""
        return "user" in self.by


# A password attempt, per address (admission.py: every attempt), then room-wide and, past
# that ceiling, per prefix on the room (only an attempt that will cost a hash).
PASSWORD_LIMITS = (
    Limit("password_ip", ("ip",)),
    Limit("password_room_ip", ("room_id", "ip")),
)
ROOM_CEILING = Limit("password_room", ("room_id",))
ROOM_PREFIX = Limit("password_room_prefix", ("room_id", "prefix"))
LOGIN_LIMITS = (Limit("login_ip", ("ip",)),)
SIGNUP_LIMITS = (Limit("signup_ip", ("ip",)),)
MESSAGE_LIMITS = (Limit("message_user", ("user",)),)
EVENT_LIMITS = (Limit("event_user", ("user",)),)  # every socket event, whatever its own
# A socket connect: by address before its token is read, by identity once it is verified.
CONNECT_ADDRESS_LIMITS = (Limit("connect_ip", ("ip",)),)
CONNECT_IDENTITY_LIMITS = (Limit("connect_user", ("user",)),)


@functools.cache
def split(limits: tuple[Limit, ...]) -> tuple[tuple[Limit, ...], tuple[Limit, ...]]:
    """A route's limits: those counted before anything runs, and those by identity."""
    return (
        tuple(limit for limit in limits if not limit.by_identity),
        tuple(limit for limit in limits if limit.by_identity),
    )


_RATE = re.compile(r"[1-9][0-9]{0,8}\s*(/|per)\s*([1-9][0-9]{0,5}\s*)?(second|minute|hour|day)s?")


def parse_rate_limits(text: str) -> dict[str, str]:
    """SECURECHAT_RATE_LIMITS: "rule=rate;rule=rate" over the defaults, or "off"."""
    if text.strip().lower() == "off":
        return {}
    rules = dict(DEFAULT_RATE_LIMITS)
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, equals, rate = part.partition("=")
        name, rate = name.strip(), rate.strip()
        if not equals or name not in DEFAULT_RATE_LIMITS or not _RATE.fullmatch(rate):
            known = ", ".join(DEFAULT_RATE_LIMITS)
            raise ValueError(
                f"{part!r}: expected rule=rate (a rate such as 10/minute) with a rule among {known}"
            )
        rules[name] = rate
    return rules


class Tarpit:
    """Refusals held SECURECHAT_REFUSAL_DELAY_MS before their 429: at most `per_address` per
    address key and `total` in all; beyond that a refusal is answered at once."""

    # Held, a guesser gets no more answers a second than its open connections can wait for,
    # and refusals stop competing with token holders for the CPU. Bounded, since a connection
    # held costs a socket, and those are what a flood would aim at next. Used from one thread
    # (the runtime's event loop or gevent hub), so it takes no lock.
    def __init__(self, per_address: int = 32, total: int = 1024) -> None:
        self.per_address = per_address
        self.total = total
        self.held: dict[str, int] = {}
        self.count = 0

    def hold(self, key: str) -> bool:
        """Whether this refusal may wait (then `release` it once answered)."""
        if self.count >= self.total or self.held.get(key, 0) >= self.per_address:
            return False
        self.held[key] = self.held.get(key, 0) + 1
        self.count += 1
        return True

    def release(self, key: str) -> None:
        left = self.held.get(key, 0) - 1
        if left > 0:
            self.held[key] = left
        else:
            self.held.pop(key, None)
        self.count -= 1
