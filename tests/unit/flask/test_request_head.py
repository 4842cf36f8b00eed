"""The request head's plain lines are parsed as the email parser would parse them."""

from __future__ import annotations

import pytest

from entrypoints.flask.request_head import _HEADER_PARSER, parse_head

HEADS = [
    [b"Host: a\r\n", b"Content-Type: application/json\r\n", b"Content-Length: 12\r\n"],
    [b"Authorization: Bearer x.y.z\r\n", b"X-Empty:\r\n", b"X-Blank:   \r\n"],
    [b"X-Tabs:\t\t value with  inner  spaces  \r\n", b"x-lower: v\n"],
    [b"Repeated: 1\r\n", b"Repeated: 2\r\n", b"Cookie: a=b; c=d\r\n"],
    # Not plain: folded, no colon, a name the token rule refuses, a stray CR, Latin-1.
    [b"Folded: one\r\n", b"  two\r\n"],
    [b"Host: a\r\n", b"no colon here\r\n", b"After: it\r\n"],
    [b"Bad Name: v\r\n"],
    [b"(odd): v\r\n"],
    [b"Cr: a\rb\r\n"],
    [b"Latin: caf\xe9\r\n"],
    [],
]


@pytest.mark.parametrize("lines", HEADS)
def test_a_head_parses_as_the_email_parser_parses_it(lines: list[bytes]) -> None:
    ours = parse_head(lines)
    theirs = _HEADER_PARSER.parsestr(b"".join(lines).decode("latin-1"))
    assert ours.items() == theirs.items()
    assert list(ours.headers) == list(theirs.headers)
    assert (ours.status, ours.typeheader) == (theirs.status, theirs.typeheader)
    assert ours.get_payload() == theirs.get_payload()
    assert [type(d) for d in ours.defects] == [type(d) for d in theirs.defects]
