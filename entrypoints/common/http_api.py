"""The one guard every route passes: `answer` decodes a request as its route says and runs
the view, `respond` finishes a batched send; every failure becomes our error shape.

The table is routes.ROUTES (its types in http_types.py); the views are views_*.py by area.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from domain.model.accounts import RefreshTokenReused
from domain.model.errors import ChatError, ErrorCode
from domain.model.page_sessions import SessionCookieReused
from domain.model.policies import Claims
from domain.usecases.access import authenticate, verify_token
from domain.usecases.deps import Deps
from entrypoints.common.batching import Batched, SendResult
from entrypoints.common.errors import (
    INTERNAL,
    TOO_MANY_ATTEMPTS,
    UNAVAILABLE_RETRY_S,
    RequestError,
    TransportCode,
    error_body,
    render,
)
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse, Route, json_body
from entrypoints.common.lanes import Lane
from entrypoints.common.payloads import bearer_token, decode, decode_query
from entrypoints.common.session_cookie import check_same_origin

log = logging.getLogger("securechat.http")
T = TypeVar("T")


def error_response(error: ChatError | RequestError) -> HttpResponse:
    status, body = render(error)
    response = HttpResponse(status, body)
    if isinstance(error, RefreshTokenReused | SessionCookieReused):
        # Refused, and yet the family was revoked: its sockets must still be dropped.
        response.events = list(error.events)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="securechat"'
    if error.code is ErrorCode.UNAVAILABLE:
        response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_S)
    return response


def limited(wait: float) -> HttpResponse:
    """The answer over a limit: 429 `rate_limited`, with the seconds to wait."""
    body = error_body(TransportCode.RATE_LIMITED, TOO_MANY_ATTEMPTS)
    return HttpResponse(429, body, headers={"Retry-After": str(int(wait))})


# Given a request's verified claims, before anything else: None to go on, or the answer
# instead (a limit by identity that holds: ServerBase.view_steps).
Admit = Callable[[Claims], "HttpResponse | None"]


# A body admission.py has decoded already (or why it is not a JSON object), so that it is
# read once: None when it was not decoded.
Decoded = dict[str, Any] | RequestError | None


def answer(
    deps: Deps,
    route: Route,
    request: HttpRequest,
    admit: Admit | None = None,
    decoded: Decoded = None,
) -> Answer:
    """Decode a request as its route's schemas say and run the view; every failure becomes
    our error shape, never a traceback."""
    return _guarded(lambda: _run(deps, route, request, admit, decoded), route.endpoint)


def _run(
    deps: Deps,
    route: Route,
    request: HttpRequest,
    admit: Admit | None = None,
    decoded: Decoded = None,
) -> Answer:
    """The token first (a request without a valid one learns nothing of its body's faults),
    then its identity's limits (`admit`), then the query and the body."""
    # A page-session route first refuses another origin.
    if route.cookie:
        check_same_origin(request.headers, request.scheme, request.host)
    claims = None
    wants = route.bearer or route.bearer_optional
    token = bearer_token(request.headers.get("Authorization")) if wants else None
    if route.bearer_optional and token is not None:
        claims = authenticate(deps, token)
    elif route.bearer and (token is not None or route.password_field is None):
        # An inline route may not touch storage: a user token's sign-in is checked by
        # open_room, in the batch (where every send re-checks it anyway).
        check = verify_token if route.lane is Lane.INLINE else authenticate
        claims = check(deps, token)
    if admit is not None and claims is not None and (refused := admit(claims)) is not None:
        return refused
    query = decode_query(route.query, request.query)
    body = None
    if route.body is not None:
        if decoded is None:
            decoded = json_body(request, route.body_optional)
        if isinstance(decoded, RequestError):
            raise decoded
        body = decode(route.body, decoded)
    return route.view(deps, request, claims, body, query)


def respond(batched: Batched[HttpResponse], result: SendResult) -> HttpResponse:
    """The response to a batched send, once its batch is done."""
    return _guarded(lambda: batched.respond(result), "respond")


def _guarded(run: Callable[[], T], name: str) -> T | HttpResponse:
    try:
        return run()
    except (ChatError, RequestError) as error:
        return error_response(error)
    except Exception:
        log.exception("unhandled error in %s", name)
        return HttpResponse(500, dict(INTERNAL))
