"""Presence and typing of every process's connections, in Redis: a cluster's one room.

Per room, four keys under the prefix: `conns` (connection id -> user id), `who` (user id ->
how others see it), `tabs` (user id -> its connections in the room) and `typing` (a sorted
set: user id by the moment its typing ends, in ms); and one set of the rooms where someone
types, for the sweep. Each change is one Lua script, so two processes never see half of
another's: a person's tabs on two nodes are one entry, and the first and last of them are
told once. Redis drops a hash or set once it is empty: a room's keys go with its last
connection, as the memory store's entries do.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import cast

import redis

from adapters.redis.connection import RedisOutage
from domain.model.presence import Arrival, Departure, Present

_ENTER = """
local user = redis.call('HGET', KEYS[1], ARGV[1])
if user then
  return {0, redis.call('HGET', KEYS[2], user), redis.call('HLEN', KEYS[2])}
end
redis.call('SADD', KEYS[4], ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[6])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local tabs = redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local first = 0
if tabs == 1 then first = 1 end
return {first, ARGV[3], redis.call('HLEN', KEYS[2])}
"""

_LEAVE = """
redis.call('SREM', KEYS[6], ARGV[3])
local user = redis.call('HGET', KEYS[1], ARGV[1])
if not user then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
local who = redis.call('HGET', KEYS[2], user)
local tabs = redis.call('HINCRBY', KEYS[3], user, -1)
if tabs > 0 then return {0, who, redis.call('HLEN', KEYS[2]), 0} end
redis.call('HDEL', KEYS[2], user)
redis.call('HDEL', KEYS[3], user)
local was = redis.call('ZREM', KEYS[4], user)
if redis.call('ZCARD', KEYS[4]) == 0 then redis.call('SREM', KEYS[5], ARGV[2]) end
return {1, who, redis.call('HLEN', KEYS[2]), was}
"""

_SET_TYPING = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '' then
  local removed = redis.call('ZREM', KEYS[2], ARGV[1])
  if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
  return removed
end
local added = redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
return added
"""

# Only the process whose script removed an ended typing reports the room: told once.
_EXPIRE = """
local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return removed
"""


# A process whose sweep (once a second) has not been heard of for this long has stopped
# without leaving (SIGKILL, a crash, a lost machine): another process takes its
# connections out of presence, and its rooms hear them leave.
NODE_TIMEOUT_MS = 15_000


def _encode(who: Present) -> str:
    return json.dumps([who.user_id, who.username, who.guest], separators=(",", ":"))


def _decode(raw: bytes | str) -> Present:
    user_id, username, guest = json.loads(raw)
    return Present(str(user_id), str(username), bool(guest))


class RedisPresenceStore:
    """The PresenceStore of ports/presence.py for a cluster. Blocking calls: the runtimes
    make them in a worker (Quart) or a greenlet (Flask), never on an event loop."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        outage: RedisOutage,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._prefix = prefix
        self._outage = outage
        self._clock = clock
        self._typing_rooms = f"{prefix}:typing-rooms"
        # This process, among the cluster's: its connections are listed under its id, and
        # its sweep keeps the id's time in `nodes` fresh.
        self.node = uuid.uuid4().hex
        self._nodes = f"{prefix}:nodes"
        self._enter = client.register_script(_ENTER)
        self._leave = client.register_script(_LEAVE)
        self._set_typing = client.register_script(_SET_TYPING)
        self._expire = client.register_script(_EXPIRE)

    def _keys(self, room_id: str, *parts: str) -> list[str]:
        return [f"{self._prefix}:presence:{room_id}:{part}" for part in parts]

    def _node_key(self, node: str) -> str:
        return f"{self._prefix}:node:{node}"

    def enter(self, room_id: str, connection_id: str, who: Present) -> Arrival:
        keys = [*self._keys(room_id, "conns", "who", "tabs"), self._node_key(self.node)]
        keys.append(self._nodes)
        now = str(int(self._clock() * 1000))
        member = _member(room_id, connection_id)
        args = [connection_id, who.user_id, _encode(who), member, now, self.node]
        first, present, online = self._outage.run(lambda: self._enter(keys, args))
        return Arrival(_decode(present), bool(first), int(online))

    def leave(self, room_id: str, connection_id: str) -> Departure | None:
        return self._outage.run(lambda: self._leave_of(self.node, room_id, connection_id))

    def _leave_of(self, node: str, room_id: str, connection_id: str) -> Departure | None:
        keys = [*self._keys(room_id, "conns", "who", "tabs", "typing"), self._typing_rooms]
        keys.append(self._node_key(node))
        found = self._leave(keys, [connection_id, room_id, _member(room_id, connection_id)])
        if not found:
            return None
        last, present, online, was_typing = found
        return Departure(_decode(present), bool(last), int(online), bool(was_typing))

    def count(self, room_id: str) -> int:
        (key,) = self._keys(room_id, "who")
        return int(self._outage.run(lambda: self._redis.hlen(key)))

    def online(self, room_id: str) -> list[Present]:
        (key,) = self._keys(room_id, "who")
        values: list[bytes | str] = self._outage.run(lambda: list(self._redis.hvals(key)))
        return [_decode(raw) for raw in values]

    def set_typing(self, room_id: str, user_id: str, until_ms: int | None) -> bool:
        keys = [*self._keys(room_id, "who", "typing"), self._typing_rooms]
        args = [user_id, "" if until_ms is None else str(until_ms), room_id]
        return bool(self._outage.run(lambda: self._set_typing(keys, args)))

    def typing(self, room_id: str, now_ms: int) -> list[Present]:
        who_key, typing_key = self._keys(room_id, "who", "typing")

        def read() -> list[bytes | str | None]:
            found = self._redis.zrangebyscore(typing_key, f"({now_ms}", "+inf")
            users = cast(list[bytes | str], found)
            return list(self._redis.hmget(who_key, users)) if users else []

        return [_decode(raw) for raw in self._outage.run(read) if raw is not None]

    def expire_typing(self, now_ms: int) -> list[str]:
        def sweep() -> list[str]:
            changed: list[str] = []
            rooms: set[bytes | str] = set(self._redis.smembers(self._typing_rooms))
            for raw in rooms:
                room_id = raw.decode() if isinstance(raw, bytes) else raw
                keys = [*self._keys(room_id, "typing"), self._typing_rooms]
                if self._expire(keys, [str(now_ms), room_id]):
                    changed.append(room_id)
            return changed

        return self._outage.run(sweep)

    def sweep(self) -> list[tuple[str, Departure]]:
        """Say this process is alive; take the connections of any process silent for
        NODE_TIMEOUT_MS out of presence, each room and departure for the room to hear of."""
        # Only the one process whose ZREM claims a dead process removes its connections.
        now = int(self._clock() * 1000)

        def sweep() -> list[tuple[str, Departure]]:
            self._redis.zadd(self._nodes, {self.node: now})
            stale = self._redis.zrangebyscore(self._nodes, "-inf", now - NODE_TIMEOUT_MS)
            gone: list[tuple[str, Departure]] = []
            for raw in cast(list[bytes | str], stale):
                node = raw.decode() if isinstance(raw, bytes) else raw
                if not self._redis.zrem(self._nodes, node):
                    continue  # another process claimed it
                members = cast(set[bytes], self._redis.smembers(self._node_key(node)))
                for member in members:
                    room_id, _, connection_id = member.decode().partition(_SEPARATOR)
                    departure = self._leave_of(node, room_id, connection_id)
                    if departure is not None:
                        gone.append((room_id, departure))
                self._redis.delete(self._node_key(node))
            return gone

        return self._outage.run(sweep)


_SEPARATOR = "\n"  # in neither a room id nor a Socket.IO sid


def _member(room_id: str, connection_id: str) -> str:
    return f"{room_id}{_SEPARATOR}{connection_id}"
