"""domain/model/profiles.py: client-chosen user ids and avatar URLs."""

from __future__ import annotations

import pytest

from domain.model.errors import ErrorCode, InvalidInput
from domain.model.profiles import AVATAR_MAX_CHARS, check_avatar, check_user_id


@pytest.mark.parametrize("user_id", ["a", "A-z_0", "x" * 64, "u_not-minted", "G_upper", "gg_"])
def test_a_user_id_follows_the_room_id_rule(user_id: str) -> None:
    assert check_user_id(user_id) == user_id


@pytest.mark.parametrize("user_id", ["", "x" * 65, "a b", "a/b", "ä", "a\n", "<script>"])
def test_a_malformed_user_id_is_refused(user_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_user_id(user_id)
    assert refused.value.code is ErrorCode.INVALID_USER_ID


@pytest.mark.parametrize("user_id", ["g_", "g_abc", "g_" + "x" * 62])
def test_the_servers_guest_prefix_is_reserved(user_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_user_id(user_id)
    assert refused.value.code is ErrorCode.RESERVED_USER_ID


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a.png",
        "http://example.org",
        "HTTPS://EXAMPLE.ORG/x?y=1#z",
        "https://user@example.org:8443/a",
        "https://example.org/<script>alert(1)</script>",  # data, never interpreted
        "https://" + "a" * (AVATAR_MAX_CHARS - len("https://")),
    ],
)
def test_an_http_url_is_an_avatar_kept_verbatim(url: str) -> None:
    assert check_avatar(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "ftp://example.org/a.png",
        "//example.org/a.png",
        "https://",
        "https:///path",
        "https://user@/path",
        "https://example.org/a b",
        "https://example.org/\u0000",
        "https://example.org/\u202e",  # a format character (bidi override)
        " https://example.org",
        "https://" + "a" * (AVATAR_MAX_CHARS - len("https://") + 1),
    ],
)
def test_anything_else_is_not_an_avatar(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_avatar(url)
    assert refused.value.code is ErrorCode.INVALID_AVATAR
