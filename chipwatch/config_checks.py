"""Value checks for config.toml: each returns the converted value or raises ValueError /
TypeError with a message saying what is allowed (the loader adds file, line and key)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chipwatch.model import ENTITY_KINDS
from chipwatch.timeutil import parse_duration

NOTIFIERS = ("bell", "desktop", "webhook", "toast")
WATCH_KINDS = ("query", "spike")
Check = Callable[[Any], Any]


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {toml_type(value)}")
    return value


def non_empty_string(value: Any) -> str:
    if not string(value).strip():
        raise ValueError("must not be empty")
    return value


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


def a_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"must be a number, not {toml_type(value)}")
    return float(value)


def positive_float(value: Any) -> float:
    number = a_number(value)
    if number <= 0:
        raise ValueError(f"must be greater than 0, not {value}")
    return number


def non_negative_float(value: Any) -> float:
    number = a_number(value)
    if number < 0:
        raise ValueError(f"must be 0 or more, not {value}")
    return number


def fraction(value: Any) -> float:
    number = a_number(value)
    if not 0 <= number <= 1:
        raise ValueError(f"must be from 0 to 1, not {value}")
    return number


def duration(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f'must be a duration like "15m", "6h" or "7d", not {toml_type(value)}')
    delta = parse_duration(value)
    if delta.total_seconds() <= 0:
        raise ValueError("must be longer than 0")
    return delta


def timeout(value: Any) -> float:
    if isinstance(value, str):
        return duration(value).total_seconds()
    return positive_float(value)


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
        size = value
    elif isinstance(value, str) and (match := SIZE.match(value)):
        unit = match.group(2).lower() if match.group(2) else None
        size = int(float(match.group(1)) * SIZE_UNITS[unit])
    else:
        raise ValueError(f'must be a size like "20MB" or a number of bytes, not {value!r}')
    if size < 1024:
        raise ValueError(f"must be at least 1KiB, not {value!r}")
    return size


def feed_url(value: Any) -> str:
    url = non_empty_string(value).strip()
    if "://" in url and not url.lower().startswith(("http://", "https://", "file://")):
        raise ValueError(f"must be an http(s):// or file:// URL or a local path, not {url!r}")
    return url


def http_url(value: Any) -> str:
    url = non_empty_string(value).strip()
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
        if string(value) not in options:
            raise ValueError(f"must be one of {', '.join(options)}, not {value!r}")
        return value

    return check


def languages(value: Any) -> tuple[str, ...]:
    items = string_list(value)
    for item in items:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)?", item):
            raise ValueError(f'{item!r} is not a language code like "en" or "fr"')
    return items


def keymap(value: Any) -> dict[str, str]:
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


TOP_KEYS = ("poll", "feeds", "watch", "cluster", "alerts", "entities", "ui")
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
    "spike_factor": positive_float,
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
}
WATCH_SPEC: dict[str, Check] = {
    "name": non_empty_string,
    "query": non_empty_string,
    "notify": notify,
    "webhook": http_url,
    "kind": choice(WATCH_KINDS),
    "entity": non_empty_string,
    "factor": positive_float,
    "min_stories": int_between(1, 100000),
}
ENTITY_SPEC: dict[str, Check] = {
    "kind": choice(ENTITY_KINDS),
    "aliases": string_list,
    "requires": string_list,
    "parent": non_empty_string,
}
