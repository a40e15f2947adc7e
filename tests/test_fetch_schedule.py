"""Scheduling decisions: hints lengthen intervals, failures back off with jitter,
Retry-After is a floor. Time and randomness are parameters."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from chipwatch.ingest.schedule import (
    MAX_BACKOFF,
    after_failure,
    after_success,
    backoff_delay,
    effective_interval,
)

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def test_hints_only_lengthen_the_interval() -> None:
    assert effective_interval(QUARTER, 60) == QUARTER  # a 1-minute ttl cannot speed us up
    assert effective_interval(QUARTER, 3600, None, 1800) == timedelta(hours=1)
    assert effective_interval(QUARTER, 10 * 86400) == timedelta(days=1)  # capped


def test_success_schedules_after_the_longest_hint() -> None:
    assert after_success(NOW, QUARTER, 1800, 7200).next_poll_at == NOW + timedelta(hours=2)


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    delays = [backoff_delay(QUARTER, n, random.Random(1)) for n in range(1, 6)]
    for n, delay in enumerate(delays, start=1):
        base = QUARTER * 2 ** (n - 1)
        assert base <= delay <= base * 1.25
    assert backoff_delay(QUARTER, 40, random.Random(1)) <= MAX_BACKOFF * 1.25


def test_jitter_is_deterministic_for_a_seeded_source() -> None:
    first = backoff_delay(QUARTER, 3, random.Random(42))
    assert first == backoff_delay(QUARTER, 3, random.Random(42))
    assert first != backoff_delay(QUARTER, 3, random.Random(43))


def test_retry_after_is_a_floor() -> None:
    plan = after_failure(NOW, QUARTER, 1, random.Random(0), retry_after_s=6 * 3600)
    assert plan.retry_after_until == NOW + timedelta(hours=6)
    assert plan.next_poll_at == plan.retry_after_until
    short = after_failure(NOW, QUARTER, 1, random.Random(0), retry_after_s=5)
    assert short.next_poll_at is not None and short.next_poll_at >= NOW + QUARTER
