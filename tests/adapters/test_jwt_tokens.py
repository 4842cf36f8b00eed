"""Room and user tokens: HS256 pinned, issuer/audience/expiry enforced, typed claims."""

from __future__ import annotations

import dataclasses
import string
import time
from dataclasses import replace
from typing import Any

import jwt
import pytest

from adapters.auth.jwt_tokens import JwtTokenService
from domain.model.errors import ErrorCode, Unauthorized
from domain.model.members import Role
from domain.model.policies import RoomTokenClaims, UserTokenClaims
from tests.support import AUDIENCE, ISSUER, JWT_SECRET, FakeClock


def _claims(expires_at: int | None = None) -> RoomTokenClaims:
    return RoomTokenClaims(
        user_id="g_abcdef123456",
        username="Zoë",
        room_id="lobby",
        incarnation="0190a5d0-0000-7000-8000-000000000001",
        password_version=3,
        role=Role.MEMBER,
        expires_at=expires_at if expires_at is not None else int(time.time()) + 600,
    )


def _payload(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    payload: dict[str, Any] = {
        "typ": "room",
        "sub": "g_abcdef123456",
        "name": "Zoë",
        "room": "lobby",
        "inc": "0190a5d0-0000-7000-8000-000000000001",
        "pwv": 3,
        "role": "member",
        "exp": now + 600,
        "iat": now,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": "unique-id",
    }
    for key, value in changes.items():
        if value is _DROP:
            del payload[key]
        else:
            payload[key] = value
    return payload


_DROP = object()


def _assert_refused(tokens: JwtTokenService, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as caught:
        tokens.verify_room_token(token)
    assert caught.value.code is ErrorCode.UNAUTHORIZED
    return caught.value


def test_round_trip(tokens: JwtTokenService, clock: FakeClock) -> None:
    for role in Role:
        claims = replace(_claims(), role=role, session_start=1_700_000_000)
        token = tokens.issue_room_token(claims)
        assert tokens.verify_room_token(token) == claims
    # A token of a new session starts it now (the guest-session lifetime counts from it).
    fresh = tokens.verify_room_token(tokens.issue_room_token(_claims()))
    assert fresh == replace(_claims(), session_start=clock.now_ms() // 1000)


def test_issued_token_shape(tokens: JwtTokenService, clock: FakeClock) -> None:
    token = tokens.issue_room_token(_claims())
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    data = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert data["typ"] == "room"
    assert data["iat"] == clock.now_ms() // 1000
    assert {"exp", "iat", "iss", "aud", "sub", "jti"} <= set(data)
    other = jwt.decode(
        tokens.issue_room_token(_claims()),
        JWT_SECRET,
        algorithms=["HS256"],
        audience=AUDIENCE,
    )
    assert other["jti"] != data["jti"]


def test_a_hand_built_valid_token_is_accepted(tokens: JwtTokenService) -> None:
    token = jwt.encode(_payload(), JWT_SECRET, algorithm="HS256")
    assert tokens.verify_room_token(token).username == "Zoë"


def test_token_signed_with_another_secret_is_refused(tokens: JwtTokenService) -> None:
    token = jwt.encode(_payload(), "another-secret-that-is-also-32-bytes-long", algorithm="HS256")
    _assert_refused(tokens, token)


def test_token_from_another_service_instance_is_refused(clock: FakeClock) -> None:
    mine = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock)
    theirs = JwtTokenService("z" * 40, ISSUER, AUDIENCE, clock)
    _assert_refused(mine, theirs.issue_room_token(_claims()))


def test_alg_none_is_refused(tokens: JwtTokenService) -> None:
    token = jwt.encode(_payload(), None, algorithm="none")
    assert jwt.get_unverified_header(token)["alg"] == "none"
    _assert_refused(tokens, token)
    # Also with the original signature stripped off a genuine token.
    genuine = tokens.issue_room_token(_claims())
    header, body, _signature = genuine.split(".")
    _assert_refused(tokens, f"{header}.{body}.")
    none_header = token.split(".")[0]
    _assert_refused(tokens, f"{none_header}.{body}.")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS512", "HS384"])
def test_other_hmac_algorithms_are_refused(tokens: JwtTokenService, algorithm: str) -> None:
    token = jwt.encode(_payload(), JWT_SECRET, algorithm=algorithm)
    _assert_refused(tokens, token)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"aud": "another-app"},
        {"aud": ["another-app"]},
        {"typ": "admin"},
        {"typ": "refresh"},
        {"typ": None},
        {"typ": _DROP},
    ],
    ids=["issuer", "audience", "audience-list", "typ-admin", "typ-refresh", "typ-null", "no-typ"],
)
def test_wrong_issuer_audience_or_type_is_refused(
    tokens: JwtTokenService, changes: dict[str, Any]
) -> None:
    _assert_refused(tokens, jwt.encode(_payload(**changes), JWT_SECRET, algorithm="HS256"))


def test_expired_token_is_refused(tokens: JwtTokenService) -> None:
    now = int(time.time())
    token = jwt.encode(_payload(exp=now - 1, iat=now - 600), JWT_SECRET, algorithm="HS256")
    error = _assert_refused(tokens, token)
    assert "expired" in error.message


@pytest.mark.parametrize(
    "claim", ["exp", "iat", "iss", "aud", "sub", "jti", "name", "room", "inc", "pwv", "role"]
)
def test_missing_claims_are_refused(tokens: JwtTokenService, claim: str) -> None:
    _assert_refused(tokens, jwt.encode(_payload(**{claim: _DROP}), JWT_SECRET, algorithm="HS256"))


@pytest.mark.parametrize(
    "changes",
    [
        {"pwv": "3"},
        {"pwv": True},
        {"pwv": 3.0},
        {"role": "owner"},
        {"role": 1},
        {"name": 5},
        {"room": None},
        {"inc": ["x"]},
        {"sub": 12},
        {"exp": "tomorrow"},
    ],
)
def test_mistyped_claims_are_refused(tokens: JwtTokenService, changes: dict[str, Any]) -> None:
    _assert_refused(tokens, jwt.encode(_payload(**changes), JWT_SECRET, algorithm="HS256"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b", "....."])
def test_malformed_tokens_are_refused(tokens: JwtTokenService, token: str) -> None:
    _assert_refused(tokens, token)


def test_tampered_payload_is_refused(tokens: JwtTokenService) -> None:
    genuine = tokens.issue_room_token(_claims())
    header, _body, signature = genuine.split(".")
    forged_body = jwt.encode(_payload(role="admin"), "x" * 32, algorithm="HS256").split(".")[1]
    _assert_refused(tokens, f"{header}.{forged_body}.{signature}")


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_short_secret_is_refused(clock: FakeClock, secret: str) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtTokenService(secret, ISSUER, AUDIENCE, clock)


def test_expiry_is_judged_by_the_injected_clock_not_the_system_clock() -> None:
    two_hours = 2 * 3600 * 1000
    behind = FakeClock(time.time_ns() // 1_000_000 - two_hours)
    tokens = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, behind)
    # Valid by the service's clock although the system clock says it expired an hour ago.
    token = tokens.issue_room_token(_claims(expires_at=behind.now_ms() // 1000 + 3600))
    assert tokens.verify_room_token(token).room_id == "lobby"
    behind.advance(seconds=3600)
    _assert_refused(tokens, token)


def test_a_token_issued_in_the_future_is_refused_beyond_the_leeway(clock: FakeClock) -> None:
    tokens = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock, leeway_s=30)
    now = clock.now_ms() // 1000
    slightly_ahead = jwt.encode(_payload(iat=now + 20, exp=now + 600), JWT_SECRET, "HS256")
    assert tokens.verify_room_token(slightly_ahead).user_id == "g_abcdef123456"
    far_ahead = jwt.encode(_payload(iat=now + 300, exp=now + 900), JWT_SECRET, "HS256")
    _assert_refused(tokens, far_ahead)


def test_a_cached_token_still_expires_on_time(clock: FakeClock) -> None:
    tokens = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock)
    token = tokens.issue_room_token(_claims(expires_at=clock.now_ms() // 1000 + 60))
    assert tokens.verify_room_token(token).room_id == "lobby"
    assert tokens.verify_room_token(token).room_id == "lobby"  # now from the cache
    clock.advance(seconds=61)
    _assert_refused(tokens, token)


def test_the_cache_never_vouches_for_a_tampered_token(clock: FakeClock) -> None:
    tokens = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock)
    token = tokens.issue_room_token(_claims())
    tokens.verify_room_token(token)
    header, payload, signature = token.split(".")
    _assert_refused(tokens, f"{header}.{payload}.{signature[:-2]}AA")
    _assert_refused(tokens, f"{header}.{payload}x.{signature}")


def test_the_cache_is_bounded(clock: FakeClock) -> None:
    tokens = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock, cache_size=3)
    issued = [tokens.issue_room_token(_claims()) for _ in range(10)]
    for token in issued:
        tokens.verify_room_token(token)
    assert len(tokens._verified) == 3
    # Evicted tokens are simply verified again.
    assert tokens.verify_room_token(issued[0]).user_id == "g_abcdef123456"


# --- one spelling per token ------------------------------------------------------------

_B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _padded(segment: str) -> str | None:
    """The segment with the '=' padding base64 would add, if it needs any."""
    return segment + "=" * (-len(segment) % 4) if len(segment) % 4 else None


def _same_bytes(segment: str) -> list[str]:
    """The other spellings of `segment` that a lenient decoder reads as the same bytes: the
    last character's unused low bits set (2 bits when len % 4 == 3, 4 when it is 2)."""
    unused = {2: 4, 3: 2}.get(len(segment) % 4, 0)
    last = _B64URL.index(segment[-1])
    return [segment[:-1] + _B64URL[last | bits] for bits in range(1, 2**unused)]


def _variants(token: str) -> list[str]:
    """Every padded or altered-trailing-bits spelling of `token`, segment by segment."""
    segments = token.split(".")
    out = []
    for index, segment in enumerate(segments):
        spellings = [*_same_bytes(segment), *filter(None, [_padded(segment)])]
        for spelling in spellings:
            out.append(".".join(segments[:index] + [spelling] + segments[index + 1 :]))
    return out


def test_an_hs256_signature_has_three_other_spellings() -> None:
    signature = jwt.encode(_payload(), JWT_SECRET, algorithm="HS256").split(".")[2]
    assert len(signature) == 43  # 32 bytes: the last character carries 2 unused bits
    spellings = _same_bytes(signature)
    assert len(spellings) == 3 and signature not in spellings


def test_a_padded_token_is_refused(tokens: JwtTokenService) -> None:
    token = tokens.issue_room_token(_claims())
    header, payload, signature = token.split(".")
    assert len(signature) % 4  # so that it can be padded
    _assert_refused(tokens, f"{header}.{payload}.{signature}=")
    for padded in (f"{header}.{payload}.{signature}==", f"{token}=="):
        _assert_refused(tokens, padded)


def test_a_token_with_altered_trailing_bits_is_refused(tokens: JwtTokenService) -> None:
    token = tokens.issue_room_token(_claims())
    header, payload, signature = token.split(".")
    for spelling in _same_bytes(signature):
        _assert_refused(tokens, f"{header}.{payload}.{spelling}")


@pytest.mark.parametrize(
    "segment_change",
    [
        lambda s: s + "!!!!",  # junk a lenient decoder skips (PyJWT < 2.14 accepted it)
        lambda s: s[:5] + "  " + s[5:] + "  ",  # whitespace, likewise
        lambda s: s[:10] + "+" + s[11:],  # the base64 (not base64url) alphabet
        lambda s: s[:10] + "/" + s[11:],
        lambda s: s[:20] + "=" + s[20:],
    ],
    ids=["junk", "whitespace", "plus", "slash", "inner-padding"],
)
def test_characters_outside_base64url_are_refused(
    tokens: JwtTokenService, segment_change: Any
) -> None:
    header, payload, signature = tokens.issue_room_token(_claims()).split(".")
    _assert_refused(tokens, f"{header}.{payload}.{segment_change(signature)}")


def test_the_cache_never_holds_two_entries_for_one_token(clock: FakeClock) -> None:
    tokens = JwtTokenService(JWT_SECRET, ISSUER, AUDIENCE, clock)
    token = tokens.issue_room_token(_claims())
    tokens.verify_room_token(token)
    variants = _variants(token)
    assert len(variants) >= 4  # the signature alone has three same-bytes spellings and one pad
    for variant in variants:
        _assert_refused(tokens, variant)
    assert list(tokens._verified) == [token]


# --- user access tokens -----------------------------------------------------------------


def _user_claims(expires_at: int | None = None) -> UserTokenClaims:
    at = expires_at if expires_at is not None else int(time.time()) + 900
    return UserTokenClaims("u_0190a5d0-0000-7000-8000-000000000001", "Zoë", "fam-1", at)


def _user_payload(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    payload: dict[str, Any] = {
        "typ": "user",
        "sub": "u_1",
        "name": "Zoë",
        "fam": "fam-1",
        "exp": now + 900,
        "iat": now,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": "unique-id",
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not _DROP}


def _refuse_user(tokens: JwtTokenService, token: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        tokens.verify_user_token(token)
    assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_user_token_round_trip_and_shape(tokens: JwtTokenService, clock: FakeClock) -> None:
    claims = _user_claims()
    token = tokens.issue_user_token(claims)
    assert tokens.verify_user_token(token) == claims
    assert tokens.verify_user_token(token) == claims  # cached
    data = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert data["typ"] == "user"
    assert data["fam"] == "fam-1"
    assert data["iat"] == clock.now_ms() // 1000
    assert {"exp", "iat", "iss", "aud", "sub", "jti"} <= set(data)
    assert "room" not in data
    assert "gst" not in data  # an account's token


def test_a_guest_profiles_user_token_says_so(tokens: JwtTokenService) -> None:
    claims = dataclasses.replace(_user_claims(), guest=True)
    token = tokens.issue_user_token(claims)
    assert tokens.verify_user_token(token) == claims
    data = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert data["gst"] is True
    hand_built = jwt.encode(_user_payload(gst=True), JWT_SECRET, algorithm="HS256")
    assert tokens.verify_user_token(hand_built).guest is True


def test_a_user_token_is_never_a_room_token(tokens: JwtTokenService) -> None:
    user_token = tokens.issue_user_token(_user_claims())
    _assert_refused(tokens, user_token)  # before it is cached as a user token
    tokens.verify_user_token(user_token)
    _assert_refused(tokens, user_token)  # and after


def test_a_room_token_is_never_a_user_token(tokens: JwtTokenService) -> None:
    room_token = tokens.issue_room_token(_claims())
    _refuse_user(tokens, room_token)
    tokens.verify_room_token(room_token)
    _refuse_user(tokens, room_token)


@pytest.mark.parametrize(
    "changes",
    [
        {"typ": "room"},  # user claims under a room typ: a room token missing its claims
        {"typ": "admin"},
        {"typ": _DROP},
        {"fam": _DROP},
        {"fam": 7},
        {"sub": _DROP},
        {"name": None},
        {"exp": "soon"},
        {"iss": "someone-else"},
        {"aud": "someone-else"},
        {"gst": False},  # an account's token has no gst; a guest's says true
        {"gst": 1},
        {"gst": "true"},
    ],
)
def test_malformed_user_tokens_are_refused(
    tokens: JwtTokenService, changes: dict[str, Any]
) -> None:
    token = jwt.encode(_user_payload(**changes), JWT_SECRET, algorithm="HS256")
    _refuse_user(tokens, token)
    _assert_refused(tokens, token)


def test_room_claims_under_a_user_typ_are_refused(tokens: JwtTokenService) -> None:
    token = jwt.encode(_payload(typ="user"), JWT_SECRET, algorithm="HS256")  # no "fam"
    _refuse_user(tokens, token)
    _assert_refused(tokens, token)


def test_an_expired_user_token_is_refused(tokens: JwtTokenService, clock: FakeClock) -> None:
    claims = _user_claims(expires_at=clock.now_ms() // 1000 + 60)
    token = tokens.issue_user_token(claims)
    assert tokens.verify_user_token(token) == claims
    clock.advance(seconds=60)
    _refuse_user(tokens, token)
