from __future__ import annotations

from typing import Protocol

from domain.model.policies import Claims, RoomTokenClaims, UserTokenClaims


class TokenService(Protocol):
    """Signed, expiring tokens. verify raises domain Unauthorized for anything not valid,
    a token of another kind included (a user token is never a room token, nor the reverse)."""

    def issue_room_token(self, claims: RoomTokenClaims) -> str: ...

    def verify_room_token(self, token: str) -> RoomTokenClaims: ...

    def issue_user_token(self, claims: UserTokenClaims) -> str: ...

    def verify_user_token(self, token: str) -> UserTokenClaims: ...

    def verify_token(self, token: str) -> Claims:
        """A token of either kind, as the claims of its kind."""
        ...
