"""schemathesis hooks (SCHEMATHESIS_HOOKS) for tests/contract/test_schemathesis.py.

The `username` format of the OpenAPI document is a rule no JSON Schema keyword states (its
length is counted after NFKC normalization; no control or format characters; something
visible): valid usernames are generated here, by the domain's own check; so are valid
`avatar` URLs.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from domain.model.errors import InvalidInput
from domain.model.members import USERNAME_MAX_CHARS, check_username
from domain.model.profiles import check_avatar


def _valid(name: str) -> bool:
    try:
        check_username(name)
    except InvalidInput:
        return False
    return True


schemathesis.openapi.format(
    "username", st.text(min_size=1, max_size=USERNAME_MAX_CHARS).filter(_valid)
)


def _valid_avatar(url: str) -> bool:
    try:
        check_avatar(url)
    except InvalidInput:
        return False
    return True


schemathesis.openapi.format(
    "avatar",
    st.from_regex(r"\A[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]{1,40}(/[!-~]{0,60})?\Z").filter(
        _valid_avatar
    ),
)


# `ip-network`: an address is always one (a /32 or /128); ranges are the contract tests'.
schemathesis.openapi.format(
    "ip-network",
    st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str),
)


# `emoji`: a reaction (domain.model.reactions); the contract tests try the refused ones.
schemathesis.openapi.format(
    "emoji", st.sampled_from(["\U0001f44d", "\u2764\ufe0f", "\U0001f1eb\U0001f1f7"])
)
