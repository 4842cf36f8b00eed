"""UUIDv7 message ids, incarnations and guest ids."""

from __future__ import annotations

import threading
import uuid

from adapters.system import SystemClock, UuidV7Generator
from domain.model.messages import check_message_id
from tests.support import FakeClock


def _timestamp_ms(value: str) -> int:
    return uuid.UUID(value).int >> 80


def test_ten_thousand_ids_strictly_increase_with_version_and_variant() -> None:
    ids = UuidV7Generator()
    values = [ids.message_id() for _ in range(10_000)]

    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    # String order is numeric order (fixed-width lowercase hex).
    assert [uuid.UUID(v).int for v in values] == sorted(uuid.UUID(v).int for v in values)
    for value in values:
        parsed = uuid.UUID(value)
        assert value == str(parsed)
        assert value[14] == "7"
        assert parsed.version == 7
        assert (parsed.int >> 76) & 0xF == 0x7
        assert value[19] in "89ab"
        assert (parsed.int >> 62) & 0b11 == 0b10
        assert parsed.variant == uuid.RFC_4122
        assert check_message_id(value) == value


def test_timestamp_is_the_clock_in_milliseconds() -> None:
    clock = SystemClock()
    before = clock.now_ms()
    value = UuidV7Generator(clock).message_id()
    after = clock.now_ms()
    assert before <= _timestamp_ms(value) <= after


def test_frozen_clock_still_increases_and_borrows_the_next_millisecond() -> None:
    clock = FakeClock(1_700_000_000_000)
    ids = UuidV7Generator(clock)  # type: ignore[arg-type]
    values = [ids.message_id() for _ in range(5000)]  # more than the 12-bit counter holds
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    stamps = {_timestamp_ms(v) for v in values}
    assert min(stamps) == 1_700_000_000_000
    assert max(stamps) == 1_700_000_000_001


def test_clock_going_backwards_does_not_reorder_ids() -> None:
    clock = FakeClock(1_700_000_000_000)
    ids = UuidV7Generator(clock)  # type: ignore[arg-type]
    first = ids.message_id()
    clock.advance(seconds=-5)
    second = ids.message_id()
    assert first < second
    assert _timestamp_ms(second) == 1_700_000_000_000


def test_ids_from_many_threads_are_unique() -> None:
    ids = UuidV7Generator()
    results: list[list[str]] = [[] for _ in range(8)]

    def work(out: list[str]) -> None:
        out.extend(ids.message_id() for _ in range(1000))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [v for out in results for v in out]
    assert len(set(every)) == 8000
    for out in results:  # each thread sees its own ids increase
        assert out == sorted(out)


def test_incarnations_and_guest_ids_are_unique() -> None:
    ids = UuidV7Generator()
    incarnations = {ids.incarnation() for _ in range(1000)}
    assert len(incarnations) == 1000
    assert all(uuid.UUID(i).version == 7 for i in incarnations)
    guests = {ids.guest_id() for _ in range(1000)}
    assert len(guests) == 1000
    assert all(g.startswith("g_") and len(g) == 18 for g in guests)
    assert all(ch.isalnum() or ch in "-_" for g in guests for ch in g)
