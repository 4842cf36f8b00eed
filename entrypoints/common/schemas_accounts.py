"""The shapes of accounts and profiles: REST bodies and answers."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from entrypoints.common.schemas import (
    Avatar,
    Guest,
    Input,
    NewPassword,
    NewUserId,
    Output,
    Username,
)
from entrypoints.common.settings import DEFAULTS

ACCESS_TOKEN = (
    "Bearer token; expires after SECURECHAT_USER_TOKEN_TTL "
    f"({DEFAULTS.user_token_ttl_s // 60} min)."
)

# -- REST bodies ----------------------------------------------------------------------------------


class CreateProfile(Input):
    user_id: NewUserId
    username: Username
    avatar: Avatar | None = None


class UpdateProfile(Input):
    """Absent fields stay as they are; `"avatar": null` removes the avatar."""

    username: Username | UnsetType = UNSET
    avatar: Avatar | None | UnsetType = UNSET


class Register(Input):
    username: Username
    password: NewPassword


class Login(Input):
    username: str
    password: str


class RefreshTokenBody(Input):
    """`/auth/refresh` and `/auth/logout`."""

    refresh_token: str


# -- responses (documentation) --------------------------------------------------------------------


class SignedIn(Output):
    user_id: Annotated[str, Meta(description="The account's id (u_…), for good.")]
    username: Annotated[str, Meta(description="The name as stored (NFKC-normalized).")]
    access_token: Annotated[str, Meta(description=ACCESS_TOKEN)]
    refresh_token: Annotated[
        str,
        Meta(
            description="Single use: /auth/refresh trades it for a new pair; presenting it "
            "again revokes every token of this sign-in. Only its hash is stored."
        ),
    ]
    expires_in: Annotated[int, Meta(description="Seconds the access token lives.")]


class SignedOut(Output):
    revoked: Annotated[bool, Meta(description="Always true: the sign-in's tokens are dead.")]


class Profile(Output):
    user_id: str
    username: str
    avatar: Annotated[str | None, Meta(description="An http(s) URL, or null.")]
    guest: Guest


class GuestSignedIn(Output):
    user_id: str
    username: str
    avatar: str | None
    guest: Annotated[bool, Meta(description="Always true.")]
    access_token: Annotated[str, Meta(description=ACCESS_TOKEN)]
    refresh_token: Annotated[
        str,
        Meta(
            description="The guest profile's only way back once its access token expires: "
            "/auth/refresh trades it for a new pair (single use). A guest has no password."
        ),
    ]
    expires_in: Annotated[int, Meta(description="Seconds the access token lives.")]


class ProfileUpdated(Output):
    user_id: str
    username: str
    avatar: str | None
    guest: Guest
    access_token: Annotated[
        str,
        Meta(
            description="A new access token of the same sign-in, carrying the new name; "
            "older access tokens keep the name they were issued with until they expire."
        ),
    ]
    expires_in: int
