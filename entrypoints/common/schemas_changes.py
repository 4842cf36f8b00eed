"""The shapes of idempotent sends and of a room's change stream (domain/model/changes.py)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from domain.model.changes import EPOCH_MAX_CHARS
from entrypoints.common.schemas import Input, Output, documented

CLIENT_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
ClientIdText = Annotated[
    str | None,
    documented(
        "Optional idempotency key, 1-64 characters of A-Za-z0-9_- (else `invalid_field`). "
        "A repeat of the same client_id by the same identity in the same room, at any later "
        "time, stores and broadcasts nothing and is answered with the first message's id.",
        pattern=CLIENT_ID_PATTERN,
    ),
]
OffsetText = Annotated[
    str, documented("An offset of the room's change stream (0 or more).", pattern="^[0-9]{1,15}$")
]
EpochText = Annotated[
    str,
    documented(
        "The epoch that offset is of (a room's stream), as an ack or event gave it.",
        maxLength=EPOCH_MAX_CHARS,
    ),
]


class Since(Input):
    """`join`'s `since`: the last change of the room this client saw."""

    offset: Annotated[int, documented("0 or more.", minimum=0)]
    epoch: EpochText


class ChangesQuery(Input):
    """`GET /chat/{room_id}/changes`."""

    since: OffsetText
    epoch: EpochText


class Change(Output):
    event: Annotated[
        str,
        Meta(
            description="The socket event this change was sent as.",
            extra_json_schema={
                "enum": [
                    "message",
                    "message_edited",
                    "message_deleted",
                    "reaction_update",
                    "history_cleared",
                ]
            },
        ),
    ]
    data: Annotated[
        dict[str, Any], Meta(description="The event's payload, its `offset` and `epoch` included.")
    ]


class ChangesOut(Output):
    changes: Annotated[
        list[Change],
        Meta(
            description="Every change after `since`, in order (recovered); empty when not. "
            "A change about a message that is gone by now (deleted, cleared, pruned) is "
            "left out but for its deletion or clear; a message or edit shows the text as "
            "it is now."
        ),
    ]
    offset: Annotated[int, Meta(description="The room's last offset (after these changes).")]
    epoch: str
    recovered: Annotated[
        bool,
        Meta(
            description="False: the changes cannot all be given (see `reason`); reload the "
            "room's history and go on from `offset` and `epoch`."
        ),
    ]
    reason: Annotated[
        str | UnsetType,
        Meta(
            description="Only when not recovered: `epoch_changed` (another stream: the room "
            "was re-created, or the offset is one it never gave), `too_many_changes` (more "
            "than SECURECHAT_RECOVERY_LIMIT, default 1000), `changes_pruned` (no longer "
            "kept).",
            extra_json_schema={"enum": ["epoch_changed", "too_many_changes", "changes_pruned"]},
        ),
    ] = UNSET
