"""domain/model/accounts.py: username keys, refresh-token hashes, and what user claims are worth."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.model.accounts import (
    REFRESH_TOKEN_MAX_CHARS,
    RefreshFamily,
    RefreshToken,
    presentable_refresh_token,
    refresh_token_hash,
    username_key,
)
from domain.model.errors import ErrorCode, Unauthorized
from domain.model.members import check_username
from domain.model.policies import UserTokenClaims, check_claims, token_expired

NOW_MS = 1_700_000_000_000
CLAIMS = UserTokenClaims("u_1", "alice", "fam-1", NOW_MS // 1000 + 900)
FAMILY = RefreshFamily("fam-1", "u_1", 1)


@pytest.mark.parametrize(
    "spelling", ["alice", "ALICE", "Alice", "ａｌｉｃｅ", "ＡＬＩＣＥ", "ᴬᴸᴵᶜᴱ"]
)
def test_spellings_of_one_name_share_a_key(spelling: str) -> None:
    assert username_key(check_username(spelling)) == "alice"


@pytest.mark.parametrize(
    "spelling", ["Zoe", " Zoe", "Zoe ", " zoe\u3000", "\u00a0ZOE\u2800", "\uff3a\uff4f\uff45 "]
)
def test_names_that_render_alike_share_a_key(spelling: str) -> None:
    assert username_key(check_username(spelling)) == "zoe"
    assert username_key(check_username("Zoe  Smith")) == username_key(check_username("zoe smith"))


def test_keys_fold_case_fully_and_stay_normalized() -> None:
    assert username_key(check_username("Straße")) == username_key(check_username("STRASSE"))
    assert username_key(check_username("ﬁ")) == "fi"
    assert username_key(check_username("Zoe\u0308")) == username_key(check_username("ZOË"))


def test_different_names_keep_different_keys() -> None:
    assert username_key("alice") != username_key("alicia")
    assert username_key("zoë") != username_key("zoe")


def test_refresh_token_hash_is_sha256_hex_and_never_the_token() -> None:
    digest = refresh_token_hash("token")
    assert digest == "3c469e9d6c5875d37a43f353d4f88e61fcf812c66eee3457465a40b0da4153e0"
    assert refresh_token_hash("token") == digest
    assert refresh_token_hash("token2") != digest


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        ("x", True),
        ("x" * REFRESH_TOKEN_MAX_CHARS, True),
        ("", False),
        ("x" * (REFRESH_TOKEN_MAX_CHARS + 1), False),
        ("\udc00abc", False),
    ],
)
def test_presentable_refresh_tokens(token: str, ok: bool) -> None:
    assert presentable_refresh_token(token) is ok


def test_a_refresh_token_expires_at_its_instant() -> None:
    token = RefreshToken("h", "fam-1", expires_at_ms=NOW_MS, created_at_ms=1)
    assert not token.expired(NOW_MS - 1)
    assert token.expired(NOW_MS)


def test_user_claims_are_good_until_they_expire() -> None:
    check_claims(CLAIMS, NOW_MS)
    check_claims(CLAIMS, NOW_MS, family=FAMILY)
    expired_at = CLAIMS.expires_at * 1000
    assert token_expired(CLAIMS, expired_at) and not token_expired(CLAIMS, expired_at - 1)
    with pytest.raises(Unauthorized) as caught:
        check_claims(CLAIMS, expired_at, family=FAMILY)
    assert caught.value.code is ErrorCode.UNAUTHORIZED


@pytest.mark.parametrize(
    "family",
    [
        replace(FAMILY, revoked=True),
        replace(FAMILY, family_id="fam-2"),
        replace(FAMILY, user_id="u_2"),
    ],
)
def test_user_claims_die_with_their_family(family: RefreshFamily) -> None:
    with pytest.raises(Unauthorized) as caught:
        check_claims(CLAIMS, NOW_MS, family=family)
    assert caught.value.code is ErrorCode.UNAUTHORIZED
