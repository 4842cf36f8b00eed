"""schemathesis hooks (SCHEMATHESIS_HOOKS) for tests/contract/test_schemathesis.py.

The `username` format of the OpenAPI document is a rule no JSON Schema keyword states (its
length is counted after NFKC normalization; no control or format characters; something
visible): valid usernames are generated here, by the domain's own check.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from domain.model.errors import InvalidInput
from domain.model.members import USERNAME_MAX_CHARS, check_username


def _valid(name: str) -> bool:
    try:
        check_username(name)
    except InvalidInput:
        return False
    return True


schemathesis.openapi.format(
    "username", st.text(min_size=1, max_size=USERNAME_MAX_CHARS).filter(_valid)
)
