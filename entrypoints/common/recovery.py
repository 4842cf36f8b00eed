"""Idempotent sends and recovery at the edge: the checks of what a client sent, and the
answers (the `join` ack's part, `GET /chat/{room_id}/changes`). No I/O."""

from __future__ import annotations

import logging
from typing import Any

from domain.model.changes import EPOCH_MAX_CHARS, is_client_id
from domain.model.errors import ChatError
from domain.model.policies import Claims
from domain.usecases.deps import Deps
from domain.usecases.recovery import Recovery, Since, recover
from entrypoints.common.errors import (
    INTERNAL_MESSAGE,
    RequestError,
    TransportCode,
    error_ack,
    failed_ack,
)
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse
from entrypoints.common.schemas_changes import ChangesQuery
from entrypoints.common.schemas_changes import Since as SinceIn
from entrypoints.common.socket_events import emits_for

log = logging.getLogger("securechat.recovery")

_MAX_OFFSET = 10**15 - 1  # what `since` may spell (15 digits)


def client_id(value: str | None) -> str | None:
    """A send's `client_id` as given (None: none), or `invalid_field`."""
    # Decided on the decoded string, so no spelling (a trailing newline, full-width digits,
    # an escaped character) slips past the rule.
    if value is not None and not is_client_id(value):
        raise RequestError(
            TransportCode.INVALID_FIELD, "'client_id' must be 1-64 characters of A-Za-z0-9_-"
        )
    return value


def since(value: SinceIn | None) -> Since | None:
    """`join`'s `since`, or `invalid_field`."""
    if value is None:
        return None
    return _since(value.offset, value.epoch, TransportCode.INVALID_FIELD)


def _since(offset: int, epoch: str, code: TransportCode) -> Since:
    if not 0 <= offset <= _MAX_OFFSET or len(epoch) > EPOCH_MAX_CHARS:
        raise RequestError(
            code,
            "'since' must hold an offset of 0 or more and an epoch of at most "
            f"{EPOCH_MAX_CHARS} characters",
        )
    return Since(offset, epoch)


def changes_json(recovery: Recovery) -> dict[str, Any]:
    """The room's place, and with a `since`, the changes after it or why there are none."""
    body: dict[str, Any] = {"offset": recovery.offset, "epoch": recovery.epoch}
    if recovery.recovered is not None:
        body["recovered"] = recovery.recovered
        if recovery.recovered:
            body["missed"] = [
                {"event": emit.event, "data": emit.data} for emit in emits_for(recovery.changes)
            ]
        else:
            body["reason"] = recovery.reason
    return body


def join_recovery(
    deps: Deps, claims: Claims, room_id: str, asked: Since | None, client: str
) -> dict[str, Any]:
    """What the `join` ack adds, read once the connection is in the room's Socket.IO room
    (`ServerBase.event_steps` runs it then)."""
    # Read after entering, a change committed meanwhile is both sent live and listed here
    # (the same offset: a client applies each offset once), never neither.
    try:
        return changes_json(recover(deps, claims, room_id, asked, client).value)
    except ChatError as error:  # the room went meanwhile, or the grant with it
        return failed_ack(error)
    except Exception:
        log.exception("could not read the changes of a room")
        return error_ack(TransportCode.INTERNAL_ERROR, INTERNAL_MESSAGE)


def changes_view(
    deps: Deps, request: HttpRequest, claims: Claims, _: None, query: ChangesQuery
) -> Answer:
    """`GET /chat/{room_id}/changes?since=N&epoch=E`."""
    if not query.since.isascii() or not query.since.isdigit() or len(query.since) > 15:
        raise RequestError(TransportCode.INVALID_QUERY, "'since' must be an offset (digits)")
    asked = _since(int(query.since), query.epoch, TransportCode.INVALID_QUERY)
    out = recover(deps, claims, request.path_params["room_id"], asked, request.client)
    body = changes_json(out.value)
    body["changes"] = body.pop("missed", [])
    return HttpResponse(200, body)
