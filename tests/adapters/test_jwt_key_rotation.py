"""JWT signing keys rotate: each token names its key (`kid`), tokens of a previous key
verify until it is retired, an unknown `kid` is refused, and a token without one (signed
before key ids) is checked with the oldest key only. The other refusals stay as they were
(tests/adapters/test_jwt_tokens.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from adapters.auth.jwt_tokens import JwtTokenService, key_id
from adapters.crypto.key_files import WatchedKeyFile, write_keys
from domain.model.errors import Unauthorized
from domain.model.members import Role
from domain.model.policies import RoomTokenClaims
from tests.support import AUDIENCE, ISSUER, FakeClock

OLD = "the-old-signing-key-that-is-long-enough-for-hs256"
NEW = "the-new-signing-key-that-is-long-enough-for-hs256"
OTHER = "somebody-elses-key-that-is-long-enough-for-hs256"


def _service(secret: str, *previous: str, **kwargs: Any) -> JwtTokenService:
    return JwtTokenService(secret, ISSUER, AUDIENCE, FakeClock(), previous=previous, **kwargs)


def _claims() -> RoomTokenClaims:
    return RoomTokenClaims(
        user_id="g_abcdef123456",
        username="Zoë",
        room_id="lobby",
        incarnation="0190a5d0-0000-7000-8000-000000000001",
        password_version=1,
        role=Role.MEMBER,
        expires_at=int(time.time()) + 600,
    )


def _hand_built(secret: str, headers: dict[str, Any] | None) -> str:
    now = int(time.time())
    payload = {
        "typ": "room",
        "sub": "g_abcdef123456",
        "name": "Zoë",
        "room": "lobby",
        "inc": "0190a5d0-0000-7000-8000-000000000001",
        "pwv": 1,
        "role": "member",
        "exp": now + 600,
        "iat": now,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": "j",
    }
    if headers is None:
        return jwt.encode(payload, secret, algorithm="HS256")
    # By hand, so that any header at all can be sent (PyJWT refuses to write some).
    segments = [_b64(json.dumps({"alg": "HS256", **headers})), _b64(json.dumps(payload))]
    signing_input = ".".join(segments).encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return ".".join([*segments, _b64(signature)])


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _refused(service: JwtTokenService, token: str) -> bool:
    try:
        service.verify_room_token(token)
    except Unauthorized:
        return True
    return False


def test_every_token_names_its_signing_key() -> None:
    token = _service(OLD).issue_room_token(_claims())
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": key_id(OLD)}
    assert key_id(OLD) != key_id(NEW) and OLD not in key_id(OLD)


def test_after_a_rotation_new_tokens_use_the_new_key_and_old_ones_stay_valid() -> None:
    before = _service(OLD).issue_room_token(_claims())
    rotated = _service(NEW, OLD)
    after = rotated.issue_room_token(_claims())
    assert jwt.get_unverified_header(after)["kid"] == key_id(NEW)
    assert rotated.verify_room_token(before).username == "Zoë"
    assert rotated.verify_room_token(after).username == "Zoë"
    # Retired: the old key's tokens are refused; the new key's are not.
    retired = _service(NEW)
    assert _refused(retired, before) and not _refused(retired, after)


@pytest.mark.parametrize(
    "kid",
    [key_id(OTHER), "", "x" * 16, 7, ["a"]],
    ids=["another-key", "empty", "made-up", "a-number", "a-list"],
)
def test_a_token_naming_a_key_not_configured_is_refused(kid: object) -> None:
    service = _service(NEW, OLD)
    assert _refused(service, _hand_built(OTHER, {"kid": kid}))
    assert _refused(service, _hand_built(NEW, {"kid": kid}))  # even with a good signature


def test_a_token_naming_one_key_but_signed_by_another_is_refused() -> None:
    assert _refused(_service(NEW, OLD), _hand_built(OLD, {"kid": key_id(NEW)}))
    assert not _refused(_service(NEW, OLD), _hand_built(OLD, {"kid": key_id(OLD)}))


def test_a_token_without_kid_is_checked_with_the_oldest_key_only() -> None:
    legacy = _hand_built(OLD, None)  # as every token before key ids
    assert not _refused(_service(OLD), legacy)
    assert not _refused(_service(NEW, OLD), legacy)  # the grace: until OLD is retired
    assert _refused(_service(NEW), legacy)
    # A kid-less token is never checked with the signing key once there are older ones.
    assert _refused(_service(NEW, OLD), _hand_built(NEW, None))


def test_a_short_previous_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        _service(NEW, "short")


def test_a_server_following_its_key_file_takes_up_a_rotation_and_a_retirement(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jwt.key"
    write_keys(path, [OLD])
    service = _service(OLD, reload=WatchedKeyFile(path, [OLD]).changed)
    before = service.issue_room_token(_claims())
    assert service.verify_room_token(before)  # now cached

    write_keys(path, [NEW, OLD])  # securechat keys rotate-jwt
    after = service.issue_room_token(_claims())
    assert jwt.get_unverified_header(after)["kid"] == key_id(NEW)
    assert service.verify_room_token(before) and service.verify_room_token(after)
    # Another server, started after the rotation, accepts what this one issues, and back.
    assert _service(NEW, OLD).verify_room_token(after)

    write_keys(path, [NEW])  # securechat keys retire-jwt: refused, cached or not
    assert _refused(service, before) and not _refused(service, after)
