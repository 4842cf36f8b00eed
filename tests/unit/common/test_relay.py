"""What one process tells the others of a cluster (relay.py): every revocation, read back
as it was committed; nothing else, and nothing malformed, is acted on."""

from __future__ import annotations

import json

import pytest

from domain.model.events import (
    AddressesNarrowed,
    Event,
    FamilyRevoked,
    MemberRemoved,
    MessageDeleted,
    RoomDeleted,
    RoomTokensRevoked,
)
from domain.model.members import Standing
from domain.model.sessions import EndReason
from entrypoints.common import relay

REVOCATIONS: list[Event] = [
    FamilyRevoked("fam", "u1", EndReason.REFRESH_TOKEN_REUSED),
    RoomTokensRevoked("r1", "inc", 3, 4, EndReason.ADMIN_TOKEN_ROTATED),
    RoomDeleted("r1", "inc"),
    MemberRemoved("r1", "u2", Standing.BANNED),
    AddressesNarrowed("r1", ("10.0.0.0/8", "192.0.2.1/32"), "owner"),
]


def test_every_revocation_crosses_as_json_and_comes_back_equal() -> None:
    wire = json.loads(json.dumps({"events": relay.encode(REVOCATIONS)}))
    assert relay.decode(wire) == REVOCATIONS


def test_other_events_are_not_relayed() -> None:
    assert relay.encode([MessageDeleted("r1", "m1")]) == []


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"events": "x"},
        {"events": [{"kind": "family"}]},
        {"events": [{"kind": "nope"}]},
        {"events": [{"kind": "removed", "room_id": "r", "user_id": "u", "standing": "bogus"}]},
    ],
)
def test_anything_else_on_the_channel_is_ignored(payload: object) -> None:
    assert relay.decode(payload) == []
