"""Page sessions: a page starts one for the room it is in, resumes it after a reload, ends
it when it leaves (domain/model/page_sessions.py). The entrypoint carries the raw cookie
value in an HttpOnly cookie; only its SHA-256 is stored.

A resume gives back what the page had: a room token's session (a guest's, or a creator's
admin token) a fresh room token of the same identity and role, renewed as
`renew_session.renew_room_token` renews one (so a kick, a ban, a new room password, a
deleted room or the end of a guest session refuse it); a user token's session a fresh
access token and refresh token of its sign-in, while that sign-in is live and the room
still grants its user. A refusal spends nothing. A spent value that comes back revokes the
session and the sign-in it continues (`SessionCookieReused`, whose `events` hold
FamilyRevoked), as a replayed refresh token does.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.accounts import refresh_token_hash
from domain.model.errors import ErrorCode, Unauthorized
from domain.model.events import FamilyRevoked
from domain.model.members import Role
from domain.model.page_sessions import (
    PageSession,
    SessionCookie,
    SessionCookieReused,
    invalid_session,
    presentable_cookie_value,
)
from domain.model.policies import Claims, RoomTokenClaims, UserTokenClaims
from domain.model.sessions import EndReason
from domain.usecases.access import open_room
from domain.usecases.accounts import mint_refresh_token, signed_in
from domain.usecases.deps import Deps, Outcome
from domain.usecases.renew_session import renew_room_token


@dataclass(frozen=True, slots=True)
class Started:
    cookie: str  # the raw value: for the Set-Cookie header only
    max_age: int  # seconds the cookie lasts unused
    room_id: str
    user_id: str
    username: str


@dataclass(frozen=True, slots=True)
class Resumed:
    cookie: str  # the next raw value (the one presented is spent)
    max_age: int
    room_id: str
    user_id: str
    username: str
    guest: bool
    role: Role
    user_token: bool  # `token` is a user access token (else a room token)
    token: str
    expires_in: int
    refresh_token: str | None  # a user token's sign-in goes on with this one


def start_session(deps: Deps, claims: Claims, room_id: str, client: str = "") -> Outcome[Started]:
    """A page session for the bearer's identity in a room its token grants now."""
    with deps.uow() as uow:
        room, grant = open_room(deps, uow, claims, room_id, client=client)
    now = deps.clock.now_ms()
    session_id = deps.ids.refresh_family_id()
    if isinstance(claims, RoomTokenClaims):
        session = PageSession(
            session_id,
            room.id,
            claims.user_id,
            claims.username,
            now,
            user_token=False,
            role=claims.role,
            incarnation=claims.incarnation,
            password_version=claims.password_version,
            admin_version=claims.admin_version,
            guest=claims.guest,
            session_start=claims.session_start,
            family_id=claims.family_id,
        )
    else:
        session = PageSession(
            session_id,
            room.id,
            claims.user_id,
            grant.username,
            now,
            user_token=True,
            guest=claims.guest,
            family_id=claims.family_id,
        )
    raw, cookie = _mint(deps, session_id, now)
    with deps.uow(write=True) as uow:
        uow.page_sessions.add_session(session)
        uow.page_sessions.add_cookie(cookie)
        uow.commit()
    ttl = deps.config.session_cookie_ttl_s
    return Outcome(Started(raw, ttl, room.id, session.user_id, session.username))


def resume_session(deps: Deps, value: str | None, client: str = "") -> Outcome[Resumed]:
    """Spend a cookie value: what its session had, fresh, and the next value."""
    if value is None or not presentable_cookie_value(value):
        raise invalid_session()
    token_hash = refresh_token_hash(value)
    now = deps.clock.now_ms()
    with deps.uow() as uow:
        cookie = uow.page_sessions.cookie(token_hash)
        session = uow.page_sessions.session(cookie.session_id) if cookie is not None else None
    if cookie is None or session is None or session.revoked:
        raise invalid_session()
    if cookie.used:
        raise _replayed(deps, session)  # someone else holds a copy
    if cookie.expired(now):
        raise invalid_session()
    # What it resumes, as the room grants it now: a refusal spends nothing.
    if session.user_token:
        sign_in = UserTokenClaims(
            session.user_id, session.username, session.family_id or "", now // 1000 + _CHECKED_FOR_S
        )
        with deps.uow() as uow:
            _, grant = open_room(deps, uow, sign_in, session.room_id, client=client)
            user = uow.users.get(session.user_id)
        if user is None or session.family_id is None:
            raise invalid_session()
        role, room_token = grant.role, None
    else:
        kept = _room_claims(session, now)
        room_token = renew_room_token(deps, kept, session.room_id, client, current_s=0).value
        role, user = session.role, None
    raw, next_cookie = _mint(deps, session.session_id, now)
    refresh = None
    spent = False  # by a concurrent resume, or a replay: revoked below, in a unit of its own
    with deps.uow(write=True) as uow:
        if uow.page_sessions.mark_used(token_hash):
            uow.page_sessions.add_cookie(next_cookie)
            if user is not None and session.family_id is not None:
                refresh, refresh_record = mint_refresh_token(deps, session.family_id, now)
                uow.refresh_tokens.add(refresh_record)
            try:
                uow.commit()
            except Unauthorized as error:
                # The memory store learns only at commit that another resume spent it.
                if error.code is not ErrorCode.INVALID_SESSION:
                    raise
                spent = True
        else:
            spent = True
    if spent:  # after this unit ends: SQLite's one writer would wait for itself
        raise _replayed(deps, session)
    ttl = deps.config.session_cookie_ttl_s
    if room_token is not None:
        return Outcome(
            Resumed(
                raw,
                ttl,
                session.room_id,
                session.user_id,
                room_token.username,
                session.guest,
                role,
                False,
                room_token.token,
                room_token.expires_in,
                None,
            )
        )
    assert user is not None and refresh is not None and session.family_id is not None
    signed = signed_in(deps, user, session.family_id, refresh, now)
    return Outcome(
        Resumed(
            raw,
            ttl,
            session.room_id,
            user.user_id,
            user.username,
            user.guest,
            role,
            True,
            signed.access_token,
            signed.expires_in,
            refresh,
        )
    )


def end_session(deps: Deps, value: str | None) -> Outcome[bool]:
    """End the session of any value it issued (spent or not); True if one was live."""
    if value is None or not presentable_cookie_value(value):
        return Outcome(False)
    with deps.uow(write=True) as uow:
        cookie = uow.page_sessions.cookie(refresh_token_hash(value))
        ended = cookie is not None and uow.page_sessions.revoke(cookie.session_id)
        uow.commit()
    return Outcome(ended)


def _room_claims(session: PageSession, now_ms: int) -> RoomTokenClaims:
    """The claims of the room token a session continues, as if that token were current
    (its expiry only passes the check: the fresh token's is the renewal's own)."""
    return RoomTokenClaims(
        user_id=session.user_id,
        username=session.username,
        room_id=session.room_id,
        incarnation=session.incarnation,
        password_version=session.password_version,
        role=session.role,
        expires_at=now_ms // 1000 + _CHECKED_FOR_S,
        admin_version=session.admin_version,
        family_id=session.family_id,
        guest=session.guest,
        session_start=session.session_start,
    )


# How long the synthesized claims of a resume count as current: longer than any resume
# takes, so that no second boundary crossed meanwhile makes them look expired.
_CHECKED_FOR_S = 3600


def _mint(deps: Deps, session_id: str, now_ms: int) -> tuple[str, SessionCookie]:
    raw = deps.ids.refresh_token()
    expires = now_ms + deps.config.session_cookie_ttl_s * 1000
    return raw, SessionCookie(refresh_token_hash(raw), session_id, expires, now_ms)


def _replayed(deps: Deps, session: PageSession) -> SessionCookieReused:
    """Revoke the session and the sign-in it continues, in a unit of their own; the
    refusal that carries what that commit released."""
    with deps.uow(write=True) as uow:
        uow.page_sessions.revoke(session.session_id)
        if session.family_id is not None and uow.refresh_tokens.revoke_family(session.family_id):
            reason = EndReason.REFRESH_TOKEN_REUSED
            uow.record(FamilyRevoked(session.family_id, session.user_id, reason))
        uow.commit()
        return SessionCookieReused(uow.collect_events())
