"""Durations, windows and ISO 8601 times. Time is always a parameter: nothing here reads
the clock except :func:`utcnow`, which callers use once at the edge and pass down."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
# The earliest time chipwatch believes: feed dates before it are impossible (parse.py
# treats them as missing), and a stored time before it or unreadable is read as it.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The longest duration read: a century. Windows reach back from now by it (datetimes end
# at year 1), and past it a timedelta overflows; config keys have tighter bounds.
MAX_DURATION_DAYS = 36_500
# The windows the monitor offers (its `w` key cycles through them, the export dialog
# lists them); [ui] window may name any duration, or "all".
WINDOWS = ("24h", "7d", "30d", "all")


class TimeParseError(ValueError):
    """A duration, window or time the user wrote could not be read."""


class DurationTooLong(TimeParseError):
    """A duration past :data:`MAX_DURATION_DAYS` (or infinite)."""


def utcnow() -> datetime:
    """The current time in UTC (read once at the edge of the program)."""
    return datetime.now(UTC)


def parse_duration(text: str | int | float) -> timedelta:
    """``"90m"``, ``"24h"``, ``"7d"``, ``"2w"``, ``"30s"``; a bare number is seconds.

    At most :data:`MAX_DURATION_DAYS`; ``inf``, ``nan`` and longer values are a
    :class:`TimeParseError`, never an OverflowError."""
    if isinstance(text, bool):
        raise TimeParseError(f"not a duration: {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise TimeParseError(f"a duration cannot be negative: {text!r}")
        return _seconds(float(text), text)
    match = _DURATION.match(text)
    if not match:
        raise TimeParseError(
            f"not a duration: {text!r} (expected a number and a unit, like 90m, 24h or 7d)"
        )
    # float() of 400 digits is inf, not an error: _seconds refuses it.
    return _seconds(float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()], text)


def _seconds(seconds: float, written: str | int | float) -> timedelta:
    if not math.isfinite(seconds) and not isinstance(written, str):
        raise TimeParseError(f"not a duration: {written!r} (a finite number of seconds is needed)")
    if seconds > MAX_DURATION_DAYS * 86_400 or not math.isfinite(seconds):
        raise DurationTooLong(
            f"duration too long: {shorten(written)!r} (at most {MAX_DURATION_DAYS}d, a century)"
        )
    return timedelta(seconds=seconds)


def shorten(value: object, limit: int = 40) -> object:
    """``value`` for an error message: text past ``limit`` characters is cut with ``…``."""
    text = str(value)
    return value if len(text) <= limit else f"{text[:limit]}…"


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or date-time; naive values are taken as UTC."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise TimeParseError(
            f"not an ISO date or date-time: {text!r} (e.g. 2025-07-15 or 2025-07-15T08:00Z)"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_window(text: str, *, now: datetime) -> datetime | None:
    """The start of a window: a duration back from ``now``, an ISO time, or ``all`` (None)."""
    raw = text.strip()
    if raw.lower() == "all":
        return None
    if _DURATION.match(raw):
        return now - parse_duration(raw)
    try:
        return parse_time(raw)
    except TimeParseError:
        # "3x" or "2 days" was meant as a duration: name every form a window takes
        raise TimeParseError(
            f"not a window: {text!r} (a duration like 90m, 24h or 7d, "
            "an ISO date or date-time like 2025-07-15 or 2025-07-15T08:00Z, or all)"
        ) from None


def iso(value: datetime) -> str:
    """UTC ISO 8601 with a ``Z``, second precision: sortable as text, stable in digests.

    The year always has four digits (``strftime("%Y")`` writes year 1 as ``1`` on glibc,
    which no reader can parse and which sorts wrongly as text).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def from_iso(text: str | None) -> datetime:
    """A time read back from the store: the inverse of :func:`iso` (any ISO 8601 form).

    Never raises, so one bad row cannot break a reader: a value that is not a readable
    time, or lies before :data:`EPOCH` (older chipwatch versions stored a feed's year 1
    as ``1-01-01T00:00:00Z``), is read as :data:`EPOCH`. User input goes through
    :func:`parse_time`, which does raise.
    """
    try:
        value = parse_time(text)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError, OverflowError):
        return EPOCH
    return max(value, EPOCH)


_STORED = re.compile(
    r"(?:19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
)


def stored_iso(text: str | None) -> str:
    """A stored time as :func:`iso` writes it, for output: ``text`` itself when it has
    that form (the fast path), else what :func:`from_iso` reads it as (a bad row written
    by an older chipwatch, ``1-01-01T00:00:00Z``, comes out as the epoch)."""
    if text and _STORED.fullmatch(text):
        return text
    return iso(from_iso(text))


def format_duration(delta: timedelta) -> str:
    """A short human form: ``45s``, ``12m``, ``3h``, ``2d``."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "-" + format_duration(-delta)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# The monitor's one way of writing times (all UTC): a moment in a list is `short_when`,
# a moment in a detail is `full_when`, a scheduled moment counts down with `countdown`.
RECENT_DAYS = 183  # within half a year a day and month are unambiguous ("Jul 5")


def short_when(moment: datetime, now: datetime) -> str:
    """At most 8 cells: ``10:05`` the same UTC day, ``Jul 5`` within half a year,
    ``Jul 2024`` before (never a two-digit year, never a bare day number)."""
    moment, now = moment.astimezone(UTC), now.astimezone(UTC)
    if moment.date() == now.date():
        return f"{moment:%H:%M}"
    if abs(now - moment) <= timedelta(days=RECENT_DAYS):
        return f"{moment:%b} {moment.day}"
    return f"{moment:%b} {moment.year:04d}"


def full_when(moment: datetime) -> str:
    """``2025-07-16 08:00 UTC``: a moment written out in full (details, tooltips)."""
    v = moment.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d} UTC"


def countdown(moment: datetime, now: datetime) -> str:
    """A scheduled moment: ``in 10m``, or ``due`` once it has come."""
    wait = moment - now
    return "due" if wait.total_seconds() <= 0 else f"in {format_duration(wait)}"


# Months as abbreviated in English datelines ("Jan. 5", "Sept 30"), folded: one list for
# every reader of dates in text (a count next to one is a day; a full stop after one
# does not end a sentence).
MONTH_ABBREVIATIONS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
)
