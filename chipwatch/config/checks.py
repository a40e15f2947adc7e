"""Value checks for config.toml: each returns the converted value or raises ValueError /
TypeError with a message saying what is allowed (the loader adds file, line and key)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from chipwatch.alerts.channels import NAMES
from chipwatch.model import ENTITY_KINDS
from chipwatch.timeutil import DurationTooLong, parse_duration, shorten

# The notification channels: one registry (``toast`` was accepted here and never sent).
NOTIFIERS = NAMES
WATCH_KINDS = ("query", "spike")
Check = Callable[[Any], Any]


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {toml_type(value)}")
    return value


def non_empty_string(value: Any) -> str:
    text = string(value)
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"must be true or false, not {toml_type(value)}")
    return value


def int_between(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"must be a whole number from {low} to {high}, not {toml_type(value)}")
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}, not {value}")
        return value

    return check


class Bound(NamedTuple):
    """The allowed range of one kind of config number; ``low`` itself is allowed only
    when ``low_open`` is False. Durations and timeouts are in seconds, sizes in bytes."""

    low: float
    high: float
    low_open: bool = True
    written: str = ""  # the range as the user writes it, for messages


# Every bounded float, duration and size in config.toml. Past these a value is a typo
# (and inf, nan or 1e308 would overflow the timedelta or int built from it), so it is
# refused with the key named. Documented in config.toml's header; whole-number keys
# carry their range in the specs below.
BOUNDS: dict[str, Bound] = {
    "duration": Bound(0, 365 * 86_400, written="longer than 0 and at most 365d"),
    "timeout": Bound(0, 3_600, written="longer than 0 and at most 1h"),
    "size": Bound(1024, 1024**3, low_open=False, written="from 1KiB to 1GiB"),
    "factor": Bound(0, 1_000, written="greater than 0 and at most 1000"),
    "weight": Bound(0, 10, low_open=False, written="from 0 to 10"),
    "fraction": Bound(0, 1, low_open=False, written="from 0 to 1"),
}


def within(kind: str, number: float, shown: Any) -> None:
    """Raise ValueError naming the range when ``number`` is outside ``BOUNDS[kind]``."""
    bound = BOUNDS[kind]
    below = number <= bound.low if bound.low_open else number < bound.low
    if below or number > bound.high:
        raise ValueError(f"must be {bound.written}, not {shorten(shown)!r}")


def a_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"must be a number, not {toml_type(value)}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    return float(value)


def bounded(kind: str) -> Check:
    """A number within ``BOUNDS[kind]``."""

    def check(value: Any) -> float:
        number = a_number(value)
        within(kind, number, value)
        return number

    return check


fraction = bounded("fraction")
weight = bounded("weight")


def duration(value: Any, kind: str = "duration") -> timedelta:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f'must be a duration like "15m", "6h" or "7d", not {toml_type(value)}')
    try:
        delta = parse_duration(value)
    except DurationTooLong:
        within(kind, float("inf"), value)  # names this key's own bound
        raise
    within(kind, delta.total_seconds(), value)
    return delta


def timeout(value: Any) -> float:
    """Seconds, written as a duration ("30s") or a number."""
    return duration(value, "timeout").total_seconds()


SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
SIZE_UNITS = {
    None: 1,
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}


def size(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError('must be a size like "20MB" or a number of bytes')
    if isinstance(value, int):
        size: float = value
    elif isinstance(value, str) and (match := SIZE.match(value)):
        unit = match.group(2).lower() if match.group(2) else None
        size = float(match.group(1)) * SIZE_UNITS[unit]  # 5,000 digits: inf, refused below
    else:
        raise ValueError(f'must be a size like "20MB" or a number of bytes, not {shorten(value)!r}')
    within("size", size, value)
    return int(size)


def no_controls(text: str) -> str:
    """Refuse control characters (a NUL, a newline) in a URL or path: no request or
    file name can carry them."""
    bad = next((ch for ch in text if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0), None)
    if bad is not None:
        position = text.index(bad) + 1
        raise ValueError(
            f"must not contain control characters (U+{ord(bad):04X} at character {position})"
        )
    return text


def feed_url(value: Any) -> str:
    url = no_controls(non_empty_string(value).strip())
    if "://" in url and not url.lower().startswith(("http://", "https://", "file://")):
        raise ValueError(f"must be an http(s):// or file:// URL or a local path, not {url!r}")
    return url


def http_url(value: Any) -> str:
    url = no_controls(non_empty_string(value).strip())
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s):// URL, not {url!r}")
    return url


def string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise TypeError(f"must be a list of strings, not {toml_type(value)}")
    return tuple(value)


def notify(value: Any) -> tuple[str, ...]:
    items = string_list(value)
    for item in items:
        if item not in NOTIFIERS:
            raise ValueError(f"unknown notifier {item!r}; allowed: {', '.join(NOTIFIERS)}")
    return items


def choice(options: tuple[str, ...]) -> Check:
    def check(value: Any) -> str:
        text = string(value)
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}, not {value!r}")
        return text

    return check


def languages(value: Any) -> tuple[str, ...]:
    items = string_list(value)
    for item in items:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)?", item):
            raise ValueError(f'{item!r} is not a language code like "en" or "fr"')
    return items


def keymap(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        # reader.open = "O" unquoted is TOML for a table reader with a key open
        for name, inner in value.items():
            if isinstance(inner, dict) and inner:
                sub = next(iter(inner))
                raise TypeError(
                    f'an id with a dot must be quoted: "{name}.{sub}" = "key", not {name}.{sub} = …'
                )
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TypeError('must be a table of binding id = "key" strings')
    return dict(value)


def window_name(value: Any) -> str:
    text = string(value)
    if text != "all":
        duration(text)
    return text


def toml_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


TOP_KEYS = ("poll", "feeds", "watch", "mute", "cluster", "alerts", "entities", "ui")
POLL_SPEC: dict[str, Check] = {
    "interval": duration,
    "concurrency": int_between(1, 512),
    "per_host": int_between(1, 64),
    "timeout": timeout,
    "connect_timeout": timeout,
    "max_bytes": size,
    "max_redirects": int_between(0, 30),
    "max_new_per_feed": int_between(1, 1_000_000),
    "user_agent": non_empty_string,
    "workers": int_between(0, 64),
}
ALERTS_SPEC: dict[str, Check] = {
    "feed_failures": int_between(1, 1000),
    "spike_factor": bounded("factor"),
    "spike_min_stories": int_between(1, 100000),
    "webhook_timeout": timeout,
    "webhook_retries": int_between(0, 20),
    "webhook_backoff": timeout,
    "feed_notify": notify,
    "feed_webhook": http_url,
}
FEED_SPEC: dict[str, Check] = {
    "url": feed_url,
    "name": string,
    "interval": duration,
    "enabled": boolean,
    "tags": string_list,
    "must_not_miss": duration,
    "full_text": boolean,
}
WATCH_SPEC: dict[str, Check] = {
    "name": non_empty_string,
    "query": non_empty_string,
    "notify": notify,
    "webhook": http_url,
    "kind": choice(WATCH_KINDS),
    "entity": non_empty_string,
    "factor": bounded("factor"),
    "min_stories": int_between(1, 100000),
}
MUTE_SPEC: dict[str, Check] = {
    "query": non_empty_string,
    "name": non_empty_string,
}
ENTITY_SPEC: dict[str, Check] = {
    "kind": choice(ENTITY_KINDS),
    "aliases": string_list,
    "requires": string_list,
    "parent": non_empty_string,
}
