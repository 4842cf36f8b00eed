"""Client addresses as rooms see them: the IP policy, verified networks, and the key an
address is counted and banned by.

An address here is what the entrypoint found the client to be (the TCP peer, or the
right-most untrusted hop behind a configured proxy), as text. Python's `ipaddress` is the
standard library, not a driver or framework: the domain may parse with it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.model.errors import ErrorCode, InvalidInput

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The widest range an admin may verify at once: a /16 of IPv4 is 65,536 addresses, a /48 of
# IPv6 one site's allocation. Wider is a typo or a wish to open the room to everyone.
WIDEST_PREFIX = {4: 16, 6: 48}
MAX_PENDING = 50  # addresses awaiting an admin's look, per room; more are not recorded


class IpPolicy(StrEnum):
    """What client addresses mean to a room: nothing (`off`, the default), a standing pass
    for verified networks (`allow`) or a second factor (`require`)."""

    OFF = "off"
    # A client from a verified network may buy a guest token without the password.
    ALLOW = "allow"
    # Every request and socket event of the room must come from a verified network, tokens
    # and the right password included.
    REQUIRE = "require"


def check_ip_policy(value: str) -> IpPolicy:
    try:
        return IpPolicy(value)
    except ValueError:
        raise InvalidInput(
            ErrorCode.INVALID_IP_POLICY, "ip_policy must be one of off, allow, require"
        ) from None


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address; ::ffff:a.b.c.d is a.b.c.d. None when it is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_network(text: str) -> str:
    """An address or CIDR range an admin verifies, in its one spelling (an address is a /32 or
    /128; host bits refused): `invalid_address`, or `range_too_wide` beyond a /16 or /48."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        raise InvalidInput(ErrorCode.INVALID_ADDRESS, "not an IP address or CIDR range")
    address, slash, prefix = raw.partition("/")
    parsed = parse_address(address)
    if parsed is None or (slash and not (prefix.isascii() and prefix.isdigit())):
        raise InvalidInput(ErrorCode.INVALID_ADDRESS, "not an IP address or CIDR range")
    bits = int(prefix) if slash else parsed.max_prefixlen
    # A mapped IPv6 range (::ffff:a.b.c.d/120) counts in IPv4 bits once unmapped.
    if slash and parsed.version == 4 and ":" in address:
        bits -= 96
    try:
        network = ipaddress.ip_network(f"{parsed}/{bits}", strict=True)
    except ValueError:
        raise InvalidInput(
            ErrorCode.INVALID_ADDRESS,
            "not an IP address or CIDR range (a range must not have host bits set)",
        ) from None
    if network.prefixlen < WIDEST_PREFIX[network.version]:
        widest = WIDEST_PREFIX[network.version]
        raise InvalidInput(
            ErrorCode.RANGE_TOO_WIDE,
            f"a range may be at most a /{widest} for IPv{network.version}",
        )
    return str(network)


def within(client: str, networks: Iterable[str]) -> bool:
    """Whether the client address is in one of the networks (as `check_network` spells
    them). An unknown client is in none."""
    address = parse_address(client)
    if address is None:
        return False
    return any(address in ipaddress.ip_network(network) for network in networks)


def address_key(client: str) -> str:
    """What an address is counted and banned by: itself, an IPv6 one by its /64 (which one
    subscriber usually holds whole). An unknown client keys as its text."""
    address = parse_address(client)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address) if address is not None else client


@dataclass(frozen=True, slots=True)
class RoomNetwork:
    """A network an admin verified for a room, or an address awaiting an admin's look (a
    client that had the right password but came from an unverified address)."""

    room_id: str
    network: str  # check_network's spelling
    verified: bool
    created_at_ms: int
