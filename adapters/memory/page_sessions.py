"""Page sessions in memory: buffered like every memory repository, applied on commit."""

from __future__ import annotations

import dataclasses

from adapters.memory.store import MemoryStore
from domain.model.errors import ErrorCode, Unauthorized
from domain.model.page_sessions import PageSession, SessionCookie


class MemoryPageSessionRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending_sessions: dict[str, PageSession] = {}
        self.pending_cookies: dict[str, SessionCookie] = {}
        self.marked_used: set[str] = set()  # checked again on commit: the last word is there

    def add_session(self, session: PageSession) -> None:
        self.pending_sessions[session.session_id] = session

    def session(self, session_id: str) -> PageSession | None:
        if session_id in self.pending_sessions:
            return self.pending_sessions[session_id]
        with self._store.lock:
            return self._store.page_sessions.get(session_id)

    def revoke(self, session_id: str) -> bool:
        session = self.session(session_id)
        if session is None or session.revoked:
            return False
        self.pending_sessions[session_id] = dataclasses.replace(session, revoked=True)
        return True

    def add_cookie(self, cookie: SessionCookie) -> None:
        self.pending_cookies[cookie.token_hash] = cookie

    def cookie(self, token_hash: str) -> SessionCookie | None:
        if token_hash in self.pending_cookies:
            return self.pending_cookies[token_hash]
        with self._store.lock:
            return self._store.session_cookies.get(token_hash)

    def mark_used(self, token_hash: str) -> bool:
        cookie = self.cookie(token_hash)
        if cookie is None or cookie.used:
            return False
        self.pending_cookies[token_hash] = dataclasses.replace(cookie, used=True)
        self.marked_used.add(token_hash)
        return True

    def check(self) -> None:
        """Under the store's lock, before any write: a value another unit spent since we
        read it is what SQL's conditional UPDATE would have told us then."""
        for token_hash in self.marked_used:
            if self._store.session_cookies[token_hash].used:
                raise Unauthorized(ErrorCode.INVALID_SESSION, "no session to resume")

    def apply(self) -> None:
        """Under the store's lock: the buffered writes. A revocation is never undone by a
        unit that read the session before it."""
        store = self._store
        for session in self.pending_sessions.values():
            current = store.page_sessions.get(session.session_id)
            revoked = session.revoked or (current is not None and current.revoked)
            store.page_sessions[session.session_id] = dataclasses.replace(session, revoked=revoked)
        store.session_cookies.update(self.pending_cookies)

    def clear(self) -> None:
        self.pending_sessions.clear()
        self.pending_cookies.clear()
        self.marked_used.clear()
