"""connection_caps.ConnectionCaps: live sockets bounded per identity, per address, and by the
process's open files (a reserve kept for other clients, said once in the log)."""

from __future__ import annotations

import logging

import pytest

from entrypoints.common.connection_caps import FILES_PROBE_S, ConnectionCaps, PendingHandshakes


def test_an_identity_and_an_address_hold_at_most_their_caps() -> None:
    caps = ConnectionCaps(per_identity=2, per_address=3)
    assert caps.admit("s1", "anna", "10.0.0.1") is None
    assert caps.admit("s2", "anna", "10.0.0.2") is None
    assert "identity" in (caps.admit("s3", "anna", "10.0.0.3") or "")
    assert caps.admit("s4", "bert", "10.0.0.1") is None
    assert caps.admit("s5", "cara", "10.0.0.1") is None
    assert "address" in (caps.admit("s6", "dora", "10.0.0.1") or "")
    # A refusal counts nothing; a release frees a place, once.
    assert (caps.held(identity="anna"), caps.held(address="10.0.0.1")) == (2, 3)
    caps.release("s1")
    caps.release("s1")
    assert (caps.held(identity="anna"), caps.held(address="10.0.0.1")) == (1, 2)
    assert caps.admit("s7", "anna", "10.0.0.1") is None
    assert not caps.holds("s1") and caps.holds("s7")


class _Files:
    def __init__(self, count: int, limit: int) -> None:
        self.open, self.most, self.probes = count, limit, 0

    def count(self) -> int:
        self.probes += 1
        return self.open

    def limit(self) -> int:
        return self.most


def test_sockets_are_refused_within_the_reserve_of_the_file_limit_and_the_log_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    files = _Files(count=85, limit=100)
    caps = ConnectionCaps(1000, 1000, reserve=10, files=files, clock=lambda: now[0])
    for n in range(5):  # 85 open: 5 more before the reserve of 10 (counted between probes)
        assert caps.admit(f"s{n}", f"u{n}", "a") is None
    assert files.probes == 1
    with caplog.at_level(logging.WARNING, "securechat.connections"):
        assert "limit" in (caps.admit("s5", "u5", "a") or "")
        now[0] += FILES_PROBE_S
        files.open = 95
        assert caps.admit("s6", "u6", "a") is not None
    assert [r.getMessage() for r in caplog.records] == [
        "90 of 100 open files: new sockets are refused, 10 kept for other clients"
    ]
    now[0] += FILES_PROBE_S
    files.open = 50  # clients went away
    assert caps.admit("s7", "u7", "a") is None


def test_no_reserve_means_the_files_are_not_watched() -> None:
    files = _Files(count=100, limit=100)
    caps = ConnectionCaps(10, 10, reserve=0, files=files)
    assert caps.admit("s1", "u", "a") is None and files.probes == 0


def test_a_session_that_never_connects_is_ended_after_its_grace_and_forgotten_once_gone() -> None:
    now = [0.0]
    pending = PendingHandshakes(10, clock=lambda: now[0])
    connected = {"ok"}
    assert pending.overdue(["ok", "idle"], connected.__contains__) == []
    now[0] = 9.9
    assert pending.overdue(["ok", "idle", "late"], connected.__contains__) == []
    now[0] = 10.0
    assert pending.overdue(["ok", "idle", "late"], connected.__contains__) == ["idle"]
    # Gone (ended), then a session connects within its grace: neither is ever ended.
    now[0] = 19.0
    connected.add("late")
    assert pending.overdue(["ok", "late"], connected.__contains__) == []
    now[0] = 30.0
    assert pending.overdue(["ok", "late", "idle"], connected.__contains__) == []  # a new "idle"
