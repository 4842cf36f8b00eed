"""Page sessions: the views of their routes (routes_sessions.py). The cookie is read and
written here only (session_cookie.py); the use cases are domain/usecases/page_sessions.py."""

from __future__ import annotations

from domain.model.errors import Forbidden, NotFound, Unauthorized
from domain.model.policies import Claims
from domain.usecases.deps import Deps
from domain.usecases.page_sessions import end_session, resume_session, start_session
from entrypoints.common.http_api import error_response
from entrypoints.common.http_types import Answer, HttpRequest, HttpResponse
from entrypoints.common.schemas import NoQuery
from entrypoints.common.schemas_sessions import SessionBody, StartSession
from entrypoints.common.session_cookie import clear_cookie, cookie_value, set_cookie

# A response that carries a credential is never kept by a cache.
_NO_STORE = {"Cache-Control": "no-store"}


def _secure(request: HttpRequest) -> bool:
    return request.scheme == "https"


def start_session_view(
    deps: Deps, request: HttpRequest, claims: Claims, data: StartSession, _: NoQuery
) -> Answer:
    out = start_session(deps, claims, data.room_id, request.client).value
    body = {
        "room_id": out.room_id,
        "user_id": out.user_id,
        "username": out.username,
        "expires_in": out.max_age,
    }
    cookie = set_cookie(out.cookie, out.max_age, _secure(request))
    return HttpResponse(201, body, headers={**_NO_STORE, "Set-Cookie": cookie})


def resume_session_view(
    deps: Deps, request: HttpRequest, _: None, __: SessionBody, ___: NoQuery
) -> Answer:
    try:
        out = resume_session(deps, cookie_value(request.headers), request.client)
    except (Unauthorized, Forbidden, NotFound) as refused:
        # Nothing left to resume with this cookie: the browser drops it.
        response = error_response(refused)
        response.headers.update(_NO_STORE)
        response.headers["Set-Cookie"] = clear_cookie(_secure(request))
        return response
    resumed = out.value
    body = {
        "room_id": resumed.room_id,
        "user_id": resumed.user_id,
        "username": resumed.username,
        "guest": resumed.guest,
        "role": resumed.role.value,
        "token_kind": "user" if resumed.user_token else "room",
        "token": resumed.token,
        "expires_in": resumed.expires_in,
        "refresh_token": resumed.refresh_token,
    }
    cookie = set_cookie(resumed.cookie, resumed.max_age, _secure(request))
    return HttpResponse(200, body, out.events, {**_NO_STORE, "Set-Cookie": cookie})


def end_session_view(
    deps: Deps, request: HttpRequest, _: None, __: SessionBody, ___: NoQuery
) -> Answer:
    out = end_session(deps, cookie_value(request.headers))
    cookie = clear_cookie(_secure(request))
    return HttpResponse(200, {"ended": out.value}, headers={**_NO_STORE, "Set-Cookie": cookie})
