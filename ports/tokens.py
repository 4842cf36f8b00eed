from __future__ import annotations

from typing import Protocol

from domain.model.policies import RoomTokenClaims


class TokenService(Protocol):
    """Signed, expiring tokens. verify raises domain Unauthorized for anything not valid."""

    def issue_room_token(self, claims: RoomTokenClaims) -> str: ...

    def verify_room_token(self, token: str) -> RoomTokenClaims: ...
