"""Feed health alerts: a feed gone, failing, or a ``must_not_miss`` feed silent.

Checked once per poll round, after the feeds' transactions; one alert per (feed,
problem, since), updated while its detail changes and not raised again meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chipwatch.alerts.events import AlertEvent, one_line
from chipwatch.model import AlertKind
from chipwatch.store import alerts as store
from chipwatch.timeutil import format_duration, from_iso, iso
from chipwatch.words import plural

if TYPE_CHECKING:
    from chipwatch.config import AlertsConfig
    from chipwatch.store.db import AnyConnection as Database

FEED_HEALTH_WATCH = "feed health"


def feed_health_events(
    db: Database,
    alerts: AlertsConfig,
    must_not_miss: Mapping[str, timedelta],
    *,
    now: datetime,
    offline: bool = False,
) -> list[AlertEvent]:
    """Feed alerts: gone (HTTP 410, no longer polled), failing ``feed_failures`` times
    in a row, or a ``must_not_miss`` feed with no new article for longer than its
    allowance. None while the network is unreachable (``offline``): that is one
    problem, the network alert's (:mod:`chipwatch.alerts.network`), not each feed's."""
    if offline:
        return []
    events: list[AlertEvent] = []
    for feed in store.feed_health_rows(db):
        for problem in _feed_problems(feed, alerts.feed_failures, must_not_miss, now):
            event = _feed_alert(db, alerts, feed, *problem, now=now)
            if event is not None:
                events.append(event)
    return events


def _feed_problems(
    feed: dict[str, Any], limit: int, must_not_miss: Mapping[str, timedelta], now: datetime
) -> list[tuple[str, str, str]]:
    """(problem, since, detail) for each of the feed's problems: gone, failing, silent."""
    problems: list[tuple[str, str, str]] = []
    failures = int(feed["error_count"] or 0)
    if feed["disabled_reason"]:
        since = feed["last_ok_at"] or feed["created_at"]
        problems.append(("gone", since, f"stopped: {one_line(feed['disabled_reason'])}"))
    elif failures >= limit:
        since = feed["last_ok_at"] or feed["created_at"]
        reason = feed["last_error"] or (
            f"HTTP {feed['last_http_status']}" if feed["last_http_status"] else "error"
        )
        problems.append(
            (
                "failing",
                since,
                f"failing: {plural(failures, 'fetch')} in a row ({one_line(reason)})",
            )
        )
    allowance = must_not_miss.get(feed["url"])
    if allowance is not None:
        since = feed["last_new_at"] or feed["created_at"]
        silent = now - from_iso(since)
        if silent > allowance:
            problems.append(
                (
                    "silent",
                    since,
                    f"silent: no new article for {format_duration(silent)} "
                    f"(must_not_miss {format_duration(allowance)})",
                )
            )
    return problems


def _feed_alert(
    db: Database,
    alerts: AlertsConfig,
    feed: dict[str, Any],
    problem: str,
    since: str,
    detail: str,
    *,
    now: datetime,
) -> AlertEvent | None:
    """The feed problem's alert, raised or updated; None when nothing changed."""
    subject = f"feed:{feed['id']}:{problem}:{since}"
    before = store.get_alert(db, FEED_HEALTH_WATCH, subject)
    title = f"{feed['label']}: {detail}"
    alert, created = store.upsert_alert(
        db,
        kind=AlertKind.FEED,
        watch=FEED_HEALTH_WATCH,
        subject=subject,
        title=title,
        now=now,
        feed_id=feed["id"],
        detail=detail,
    )
    if not created and before is not None and before.detail == detail:
        return None
    return AlertEvent(
        alert.id,
        AlertKind.FEED,
        FEED_HEALTH_WATCH,
        None,
        title,
        feed["url"],
        (feed["label"],),
        created,
        alerts.feed_notify,
        alerts.feed_webhook,
        subject,
        detail,
        feed["id"],
        alert.state,
        iso(now),
    )
