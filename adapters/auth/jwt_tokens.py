"""Room and user access tokens as HS256 JWTs: pinned algorithm, required exp/iat/iss/aud,
typed claims; `typ` says which kind a token is, and a token verifies only as its own kind.

Keys rotate: the first signs, and every token names its key in a `kid` header; a token is
verified only with the key it names (an unknown `kid` is refused). A token without one was
signed before key ids existed, by the one key there was: it is verified with the oldest key
configured, and refused once that key is retired."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from domain.model.errors import ErrorCode, Unauthorized
from domain.model.members import Role
from domain.model.policies import Claims, RoomTokenClaims, UserTokenClaims, check_claims
from ports.clock import Clock

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash
_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "jti"]

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
# Bits of the last character that carry no data, by segment length mod 4 (RFC 4648 3.5).
_UNUSED_BITS = {2: 0b1111, 3: 0b11}


log = logging.getLogger("securechat.keys")

Reload = Callable[[], Sequence[str] | None]
"""The key list anew when its source changed since the last call, else None."""


def key_id(secret: str) -> str:
    """A key's `kid`: a digest of it, so a key file or variable needs no ids of its own."""
    digest = hashlib.sha256(b"securechat-jwt-kid\0" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The signing key first, then the previous ones, still verifying until retired."""

    kid: str
    secret: str
    by_kid: dict[str, str]
    oldest: str  # what a token without `kid` is verified with

    @classmethod
    def of(cls, secrets_: Sequence[str]) -> SigningKeys:
        if not secrets_:
            raise ValueError("at least one JWT secret is required")
        for secret in secrets_:
            if len(secret.encode()) < MIN_SECRET_BYTES:
                raise ValueError(f"every JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        first = secrets_[0]
        by_kid = {key_id(secret): secret for secret in reversed(secrets_)}
        return cls(key_id(first), first, by_kid, secrets_[-1])


class JwtTokenService:
    """`previous`: keys that verify but no longer sign. `reload` (a key file being followed)
    is asked before each use: a rotation reaches a running server without a restart."""

    def __init__(
        self,
        secret: str,
        issuer: str,
        audience: str,
        clock: Clock,
        leeway_s: int = 30,
        cache_size: int = 4096,
        *,
        previous: Sequence[str] = (),
        reload: Reload | None = None,
    ) -> None:
        self._keys = SigningKeys.of([secret, *previous])
        self._reload = reload
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_s
        self._clock = clock
        self._cache_size = cache_size
        self._verified: OrderedDict[str, Claims] = OrderedDict()
        self._lock = threading.Lock()

    def issue_room_token(self, claims: RoomTokenClaims) -> str:
        payload: dict[str, Any] = {
            "typ": "room",
            "sub": claims.user_id,
            "name": claims.username,
            "room": claims.room_id,
            "inc": claims.incarnation,
            "pwv": claims.password_version,
            "role": claims.role.value,
            "exp": claims.expires_at,
        }
        if claims.role is Role.ADMIN:
            payload["adv"] = claims.admin_version
        if claims.family_id is not None:
            payload["fam"] = claims.family_id  # minted from this sign-in: dies with it
        if not claims.guest:
            payload["acct"] = True  # an account's identity; absent: a guest's
        # The session it continues: a renewal carries it, a first token starts it now.
        payload["ses"] = claims.session_start or self._clock.now_ms() // 1000
        return self._encode(payload)

    def issue_user_token(self, claims: UserTokenClaims) -> str:
        return self._encode(
            {
                "typ": "user",
                "sub": claims.user_id,
                "name": claims.username,
                "fam": claims.family_id,
                "exp": claims.expires_at,
            }
            # A guest profile's token says so; an account's has no `gst` at all.
            | ({"gst": True} if claims.guest else {})
        )

    def verify_room_token(self, token: str) -> RoomTokenClaims:
        claims = self._verify(token)
        if not isinstance(claims, RoomTokenClaims):
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token is not valid")
        return claims

    def verify_user_token(self, token: str) -> UserTokenClaims:
        claims = self._verify(token)
        if not isinstance(claims, UserTokenClaims):
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token is not valid")
        return claims

    def verify_token(self, token: str) -> Claims:
        return self._verify(token)

    def _encode(self, payload: dict[str, Any]) -> str:
        payload |= {
            "iat": self._clock.now_ms() // 1000,
            "iss": self._issuer,
            "aud": self._audience,
            "jti": secrets.token_urlsafe(12),
        }
        keys = self._follow()
        return jwt.encode(payload, keys.secret, algorithm=ALGORITHM, headers={"kid": keys.kid})

    def _follow(self) -> SigningKeys:
        if self._reload is not None and (changed := self._reload()) is not None:
            try:
                keys = SigningKeys.of(changed)
            except ValueError:
                log.warning("the changed JWT key file holds a bad key; keys kept")
                return self._keys
            with self._lock:
                self._keys = keys
                self._verified.clear()  # a retired key's tokens must not stay cached
            log.info("JWT keys reloaded: %d key(s), a new signing key first", len(changed))
        return self._keys

    def _verify(self, token: str) -> Claims:
        self._follow()
        # Only tokens whose signature and claims already verified are cached, keyed by the
        # whole token (signature included); expiry is still checked on every use. Only the
        # canonical spelling is ever verified, so a token has one cache key, not several.
        # The cache holds both kinds; the callers above check the kind on hits too.
        cached = self._verified.get(token)
        if cached is not None:
            check_claims(cached, self._clock.now_ms())
            return cached
        if not is_canonical(token):
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token is not valid")
        claims = self._decode(token)
        with self._lock:
            self._verified[token] = claims
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> Claims:
        try:
            data: dict[str, Any] = jwt.decode(
                token,
                self._secret_for(token),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Time is checked below against the injected clock, not pyjwt's own.
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
            now_ms = self._clock.now_ms()
            # Leeway only for issue time: another instance's clock may run slightly ahead.
            if _int(data, "iat") - self._leeway > now_ms // 1000:
                raise ValueError("issued in the future")
            claims = _claims(data)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Unauthorized(ErrorCode.UNAUTHORIZED, "the token is not valid") from None
        check_claims(claims, now_ms)  # the domain's rule, the same for every caller
        return claims

    def _secret_for(self, token: str) -> str:
        """The key the token's `kid` names (the oldest for none); PyJWTError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        keys = self._keys
        if kid is None:
            return keys.oldest
        if not isinstance(kid, str) or kid not in keys.by_kid:
            raise jwt.InvalidTokenError("unknown key id")
        return keys.by_kid[kid]


def _claims(data: dict[str, Any]) -> Claims:
    """The typed claims of a decoded payload, by its `typ`; ValueError for anything else."""
    typ = data.get("typ")
    if typ == "room":
        role = Role(_str(data, "role"))
        return RoomTokenClaims(
            user_id=_str(data, "sub"),
            username=_str(data, "name"),
            room_id=_str(data, "room"),
            incarnation=_str(data, "inc"),
            password_version=_int(data, "pwv"),
            role=role,
            expires_at=_int(data, "exp"),
            # Admin tokens issued before rotation existed carry none: the first version.
            admin_version=_int({"adv": 1, **data}, "adv") if role is Role.ADMIN else 0,
            family_id=_str(data, "fam") if "fam" in data else None,
            guest=not _flag(data, "acct"),
            # Tokens issued before sessions were carried: their session began at issue.
            session_start=_int(data, "ses" if "ses" in data else "iat"),
        )
    if typ == "user":
        return UserTokenClaims(
            user_id=_str(data, "sub"),
            username=_str(data, "name"),
            family_id=_str(data, "fam"),
            expires_at=_int(data, "exp"),
            guest=_guest(data),
        )
    raise ValueError("unknown token type")


def is_canonical(token: str) -> bool:
    """Three segments of unpadded base64url, each the one spelling of its bytes."""
    # PyJWT accepts '=' padding (2.15) and, before 2.14, stray characters and set unused bits,
    # so several strings could verify as one signed token (an HS256 signature alone has four).
    segments = token.split(".")
    if len(segments) != 3:
        return False
    for segment in segments:
        if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
            return False
        unused = _UNUSED_BITS.get(len(segment) % 4, 0)
        if unused and _B64URL.index(segment[-1]) & unused:
            return False
    return True


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(key)
    return value


def _guest(data: dict[str, Any]) -> bool:
    """`gst`: absent (an account) or true (a guest profile); anything else is not ours."""
    return _flag(data, "gst")


def _flag(data: dict[str, Any], key: str) -> bool:
    """A flag claim: absent (False) or true; anything else is not ours."""
    if key not in data:
        return False
    if data[key] is not True:
        raise ValueError(key)
    return True


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(key)
    return value
