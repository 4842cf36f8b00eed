"""The lifetime rule of a renewed room token (domain/model/sessions.py)."""

from __future__ import annotations

from domain.model.sessions import renewed_expiry

DAY = 24 * 3600


def test_a_renewal_lasts_its_ttl_within_the_session() -> None:
    assert renewed_expiry(1000, 3600, 1100, 0, 7 * DAY) == 4600


def test_a_renewal_never_outlasts_the_session() -> None:
    start = 0
    assert renewed_expiry(7 * DAY - 60, 3600, 7 * DAY - 30, start, 7 * DAY) == 7 * DAY


def test_past_the_session_there_is_no_renewal() -> None:
    assert renewed_expiry(7 * DAY, 3600, 7 * DAY + 10, 0, 7 * DAY) is None


def test_a_renewal_never_ends_sooner_than_the_token_it_renews() -> None:
    # A 30-day admin token renewed on day 1 of a 7-day session keeps its 30 days.
    assert renewed_expiry(DAY, 30 * DAY, 30 * DAY, 0, 7 * DAY) == 30 * DAY


def test_with_no_session_cap_only_the_ttl_counts() -> None:
    assert renewed_expiry(10 * DAY, 3600, 10 * DAY, 0, None) == 10 * DAY + 3600
