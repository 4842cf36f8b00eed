"""Live sockets whose token runs out: the warning before it does, and `renew`, which swaps
a connection's claims for a fresh token's without reconnecting (domain: renew_session)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from domain.model.policies import Claims, Grant
from domain.usecases.deps import Deps
from domain.usecases.renew_session import renew_claims
from entrypoints.common.schemas_rooms import RenewPayload


class Connection(Protocol):
    """What this module reads and changes of a live connection (socket_api.Connection)."""

    claims: Claims
    rooms: dict[str, Grant]
    client: str
    warned_for: int


def renew(deps: Deps, connection: Connection, data: RenewPayload) -> dict[str, Any]:
    """Under the connection's lock: its claims and grants become the new token's, or the
    refusal is raised and nothing changes. The ack's fields (besides `ok`)."""
    claims, grants = renew_claims(
        deps, connection.claims, data.token, list(connection.rooms), connection.client
    )
    connection.claims = claims
    connection.rooms.update(grants)
    return {"expires_in": max(0, claims.expires_at - deps.clock.now_ms() // 1000)}


def due_warnings(
    connections: Iterable[tuple[str, Connection]], now_ms: int, warning_s: int
) -> list[tuple[str, int]]:
    """The connections to tell `token_expiring` now (a token ending within `warning_s`, once
    per token), with the seconds left. Marks them told."""
    due: list[tuple[str, int]] = []
    for sid, connection in connections:
        expires_at = connection.claims.expires_at
        left = expires_at - now_ms // 1000
        if 0 < left <= warning_s and connection.warned_for != expires_at:
            connection.warned_for = expires_at
            due.append((sid, left))
    return due
