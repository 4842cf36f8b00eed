"""Presence, typing and rate limits on Redis (adapters/redis) behave as one process's own
(adapters/memory, adapters/limits), and two stores on one Redis prefix (two processes) see
one room and count one budget; a Redis that cannot be reached is `Unavailable`, said once.
Real Redis (the shared one, under a prefix of each test's own)."""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Callable, Iterator

import pytest
import redis

from adapters.limits.memory import MemoryRateLimiter
from adapters.memory.presence import MemoryPresenceStore
from adapters.redis.connection import RedisOutage, connect
from adapters.redis.limits import RedisRateLimiter
from adapters.redis.presence import RedisPresenceStore
from domain.model.errors import Unavailable
from domain.model.presence import Present
from ports.limits import RateLimiter
from ports.presence import PresenceStore
from tests.conftest import REDIS_URL, drop_redis_prefix

ANNA = Present("u-anna", "anna")
BERT = Present("u-bert", "bert", guest=True)


@pytest.fixture
def redis_prefix(redis_available: None) -> Iterator[str]:
    prefix = "test-" + secrets.token_hex(6)
    yield prefix
    drop_redis_prefix(REDIS_URL, prefix)


@pytest.fixture
def client(redis_available: None) -> Iterator[redis.Redis]:
    c = connect(REDIS_URL)
    yield c
    c.close()


@pytest.fixture(params=["memory", "redis"])
def new_store(request: pytest.FixtureRequest) -> Callable[[], PresenceStore]:
    """Stores on one state: for Redis, each a process of its own on one prefix."""
    if request.param == "memory":
        one = MemoryPresenceStore()
        return lambda: one
    prefix = request.getfixturevalue("redis_prefix")
    client = request.getfixturevalue("client")
    return lambda: RedisPresenceStore(client, prefix, RedisOutage())


def test_an_identity_is_listed_once_until_its_last_connection_leaves(
    new_store: Callable[[], PresenceStore],
) -> None:
    one, two = new_store(), new_store()
    arrival = one.enter("room", "c1", ANNA)
    assert (arrival.who, arrival.first, arrival.online) == (ANNA, True, 1)
    again = two.enter("room", "c2", ANNA)  # her second tab, on another process
    assert (again.first, again.online) == (False, 1)
    assert one.enter("room", "c2", ANNA).first is False  # the same connection: no change
    assert two.enter("room", "c3", BERT).online == 2
    assert sorted(p.username for p in one.online("room")) == ["anna", "bert"]
    assert one.count("room") == two.count("room") == 2
    first_tab = one.leave("room", "c1")
    assert first_tab is not None and (first_tab.last, first_tab.online) == (False, 2)
    last_tab = two.leave("room", "c2")
    assert last_tab is not None and (last_tab.who, last_tab.last, last_tab.online) == (
        ANNA,
        True,
        1,
    )
    assert one.leave("room", "c2") is None  # already gone
    assert [p.username for p in two.online("room")] == ["bert"]
    assert one.online("elsewhere") == [] and one.count("elsewhere") == 0


def test_typing_is_shared_and_ends_once(new_store: Callable[[], PresenceStore]) -> None:
    one, two = new_store(), new_store()
    one.enter("room", "c1", ANNA)
    two.enter("room", "c2", BERT)
    assert one.set_typing("room", BERT.user_id, 5_000) is True
    assert two.set_typing("room", BERT.user_id, 6_000) is False  # a refresh: no change
    assert one.set_typing("room", "u-stranger", 5_000) is False  # not in the room
    assert [p.username for p in two.typing("room", 4_000)] == ["bert"]
    assert one.typing("room", 6_000) == []  # ran out (until is exclusive)
    # Expired by one sweep only: the other finds nothing to tell.
    told = [one.expire_typing(6_000), two.expire_typing(6_000)]
    assert sorted(told, key=len) == [[], ["room"]]
    assert one.set_typing("room", ANNA.user_id, 9_000) is True
    assert two.set_typing("room", ANNA.user_id, None) is True
    assert two.set_typing("room", ANNA.user_id, None) is False


def test_the_last_connection_of_a_typist_ends_its_typing(
    new_store: Callable[[], PresenceStore],
) -> None:
    one = new_store()
    one.enter("room", "c1", BERT)
    one.set_typing("room", BERT.user_id, 9_000)
    gone = one.leave("room", "c1")
    assert gone is not None and gone.was_typing is True
    assert one.typing("room", 0) == [] and one.expire_typing(10_000) == []


@pytest.fixture(params=["memory", "redis"])
def new_limiter(request: pytest.FixtureRequest) -> Callable[[dict[str, str]], RateLimiter]:
    if request.param == "memory":
        return MemoryRateLimiter
    prefix = request.getfixturevalue("redis_prefix")
    client = request.getfixturevalue("client")
    return lambda rules: RedisRateLimiter(rules, client, prefix, RedisOutage())


def test_a_limit_counts_all_or_nothing_on_either_storage(
    new_limiter: Callable[[dict[str, str]], RateLimiter],
) -> None:
    limiter = new_limiter({"wide": "3/minute", "narrow": "1/minute"})
    both = [("wide", ("ip",)), ("narrow", ("ip", "room"))]
    assert limiter.attempt(both) == 0.0
    assert limiter.attempt(both) > 0  # narrow refuses: wide must not count it
    assert limiter.attempt([("wide", ("ip",))]) == 0.0
    assert limiter.attempt([("wide", ("ip",))]) == 0.0
    wait = limiter.attempt([("wide", ("ip",))])
    assert 1.0 <= wait <= 60.0
    assert limiter.attempt([("unknown", ("ip",))]) == 0.0


def test_two_processes_count_one_budget(client: redis.Redis, redis_prefix: str) -> None:
    rules = {"tries": "4/minute"}
    one = RedisRateLimiter(rules, client, redis_prefix, RedisOutage())
    two = RedisRateLimiter(rules, client, redis_prefix, RedisOutage())
    assert [x.attempt([("tries", ("k",))]) for x in (one, two, one, two)] == [0.0] * 4
    assert one.attempt([("tries", ("k",))]) > 0 and two.attempt([("tries", ("k",))]) > 0


def test_an_unreachable_redis_is_unavailable_and_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = connect(f"redis://127.0.0.1:{port}/0")
    outage = RedisOutage()
    store = RedisPresenceStore(unreachable, "nowhere", outage)
    limiter = RedisRateLimiter({"tries": "1/minute"}, unreachable, "nowhere", outage)
    with caplog.at_level(logging.WARNING, logger="securechat.redis"):
        for _ in range(3):
            with pytest.raises(Unavailable):
                store.enter("room", "c1", ANNA)
            with pytest.raises(Unavailable):
                limiter.attempt([("tries", ("k",))])
    lines = [r.getMessage() for r in caplog.records if r.name == "securechat.redis"]
    assert len(lines) == 1 and lines[0].startswith("redis unavailable"), lines
    assert outage.down
    outage.succeeded()
    assert not outage.down
    assert "redis available again" in caplog.records[-1].getMessage()


def test_a_process_that_stopped_without_leaving_is_forgotten_once(
    client: redis.Redis, redis_prefix: str
) -> None:
    now = [1_000.0]

    def clock() -> float:
        return now[0]

    dead, alive, third = (
        RedisPresenceStore(client, redis_prefix, RedisOutage(), clock) for _ in range(3)
    )
    dead.enter("room", "d1", ANNA)
    dead.set_typing("room", ANNA.user_id, 10**15)
    alive.enter("room", "a1", BERT)
    alive.enter("room", "a2", ANNA)  # anna has a tab on a live process too
    dead.enter("other", "d2", ANNA)
    assert alive.sweep() == [] and third.sweep() == []  # everyone recently heard of
    now[0] += 10.0
    assert alive.sweep() == []
    now[0] += 10.0  # `dead` last heard of 20 s ago, `alive` 10 s ago
    gone = alive.sweep()
    assert sorted((room, d.who.username, d.last, d.online) for room, d in gone) == [
        ("other", "anna", True, 0),
        ("room", "anna", False, 2),  # her tab on `alive` keeps her listed
    ]
    assert third.sweep() == []  # claimed once
    assert sorted(p.username for p in alive.online("room")) == ["anna", "bert"]
    assert alive.online("other") == []
    assert alive.leave("room", "a2") is not None
    assert [p.username for p in alive.online("room")] == ["bert"]


def test_the_memory_store_has_no_other_process_to_forget() -> None:
    store = MemoryPresenceStore()
    store.enter("room", "c1", ANNA)
    assert store.sweep() == []
