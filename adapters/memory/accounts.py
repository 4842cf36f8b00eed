"""Account repositories over a MemoryStore: users and their sign-ins' refresh tokens."""

from __future__ import annotations

import dataclasses

from adapters.memory.store import MemoryStore
from domain.model.accounts import RefreshFamily, RefreshToken, User
from domain.model.errors import Conflict, ErrorCode


class MemoryUserRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending: dict[str, User] = {}
        self.added: set[str] = set()  # user ids new in this unit (the rest are updates)

    def get(self, user_id: str) -> User | None:
        if user_id in self.pending:
            return self.pending[user_id]
        with self._store.lock:
            return self._store.users.get(user_id)

    def by_username_key(self, username_key: str) -> User | None:
        for user in self.pending.values():
            if user.username_key == username_key:
                return user
        with self._store.lock:
            user_id = self._store.user_keys.get(username_key)
            if user_id is None or user_id in self.pending:  # renamed in this unit
                return None
            return self._store.users.get(user_id)

    def add(self, user: User) -> None:
        if self.get(user.user_id) is not None:
            raise Conflict(ErrorCode.USER_ID_TAKEN, "this user id is taken")
        if self.by_username_key(user.username_key) is not None:
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
        self.pending[user.user_id] = user
        self.added.add(user.user_id)

    def update(self, user: User) -> None:
        holder = self.by_username_key(user.username_key)
        if holder is not None and holder.user_id != user.user_id:
            raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken")
        if self.get(user.user_id) is not None:
            self.pending[user.user_id] = user


class MemoryRefreshTokenRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.pending_families: dict[str, RefreshFamily] = {}
        self.pending_tokens: dict[str, RefreshToken] = {}
        self.marked_used: set[str] = set()  # checked again on commit: the last word is there

    def add_family(self, family: RefreshFamily) -> None:
        self.pending_families[family.family_id] = family

    def family(self, family_id: str) -> RefreshFamily | None:
        if family_id in self.pending_families:
            return self.pending_families[family_id]
        with self._store.lock:
            return self._store.refresh_families.get(family_id)

    def revoke_family(self, family_id: str) -> bool:
        family = self.family(family_id)
        if family is None or family.revoked:
            return False
        self.pending_families[family_id] = dataclasses.replace(family, revoked=True)
        return True

    def add(self, token: RefreshToken) -> None:
        self.pending_tokens[token.token_hash] = token

    def by_hash(self, token_hash: str) -> RefreshToken | None:
        if token_hash in self.pending_tokens:
            return self.pending_tokens[token_hash]
        with self._store.lock:
            return self._store.refresh_tokens.get(token_hash)

    def mark_used(self, token_hash: str) -> bool:
        token = self.by_hash(token_hash)
        if token is None or token.used:
            return False
        self.pending_tokens[token_hash] = dataclasses.replace(token, used=True)
        self.marked_used.add(token_hash)
        return True
