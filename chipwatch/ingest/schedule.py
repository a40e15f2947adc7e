"""When to poll a feed next. Decisions take ``now`` and a random source as arguments.

A feed's own hints (<ttl>, sy:updatePeriod, Cache-Control max-age) can only lengthen
its interval; failures back off exponentially with jitter; a server's Retry-After is
a floor nobody goes under.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_HINT = timedelta(days=1)  # a feed's hint never stretches the interval past this
MAX_HINT_S = int(MAX_HINT.total_seconds())
MAX_BACKOFF = timedelta(days=1)
MAX_RETRY_AFTER_S = 7 * 86400  # a server's Retry-After is honoured up to a week
MIN_BACKOFF = timedelta(minutes=1)
JITTER = 0.25  # backoff delays are stretched by up to this fraction, at random
# A whole number as a server or feed writes one (delta-seconds, <ttl>): ASCII digits
# only (str.isdigit() also takes "²", which int() refuses), at most 18 of them, so int()
# never meets a 5000-digit string and nothing overflows a timedelta.
_DIGITS = re.compile(r"[0-9]{1,18}")


def bounded_int(text: object, cap: int) -> int | None:
    """The whole number in ``text``, at most ``cap``; None when it is not one.

    A longer run of ASCII digits is a very large number: it gives ``cap``.
    """
    value = str(text or "").strip()
    if _DIGITS.fullmatch(value):
        return min(int(value), cap)
    if value.isascii() and value.isdigit():
        return cap
    return None


@dataclass(frozen=True, slots=True)
class NextPoll:
    """The schedule decided after one fetch."""

    next_poll_at: datetime | None  # None: never again (410 Gone)
    retry_after_until: datetime | None = None


def effective_interval(interval: timedelta, *hints_s: int | None) -> timedelta:
    """The configured interval, lengthened (never shortened) by the feed's own hints."""
    longest = interval
    for hint in hints_s:
        if hint and hint > 0:
            # Cap the number before building a timedelta: a huge one overflows it.
            longest = max(longest, timedelta(seconds=min(hint, MAX_HINT_S)))
    return longest


def backoff_delay(interval: timedelta, failures: int, rng: random.Random) -> timedelta:
    """Exponential backoff after ``failures`` failures in a row, with jitter."""
    base = max(interval, MIN_BACKOFF)
    exponent = min(max(failures - 1, 0), 16)
    delay = min(base * (2**exponent), MAX_BACKOFF)
    jittered: timedelta = delay * (1 + JITTER * rng.random())
    return jittered


def after_success(now: datetime, interval: timedelta, *hints_s: int | None) -> NextPoll:
    """Schedule after an ok or not-modified fetch."""
    return NextPoll(now + effective_interval(interval, *hints_s))


def after_failure(
    now: datetime,
    interval: timedelta,
    failures: int,
    rng: random.Random,
    retry_after_s: float | None = None,
) -> NextPoll:
    """Schedule after a failed fetch: backoff, and never before the server's Retry-After."""
    when = now + backoff_delay(interval, failures, rng)
    until = None
    if retry_after_s is not None:
        until = now + timedelta(seconds=min(retry_after_s, MAX_RETRY_AFTER_S))
        when = max(when, until)
    return NextPoll(when, until)
