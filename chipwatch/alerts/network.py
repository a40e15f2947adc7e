"""The one network alert: raised when a round finds the network unreachable, updated
while it stays down, cleared (dismissed, its title in the past tense) when it is back.

While it is down, feed-health alerts wait (:func:`chipwatch.alerts.health.feed_health_events` is
told): ten feeds failing because the computer is offline are one problem, not ten.
The poller judges the network (:mod:`chipwatch.pipeline.network`); this module only
keeps the alert and the stored state in step, inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chipwatch.alerts.events import AlertEvent
from chipwatch.config import Config
from chipwatch.model import AlertKind, AlertState
from chipwatch.store import alerts as store
from chipwatch.store import network as state
from chipwatch.timeutil import from_iso, iso

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from chipwatch.store.db import AnyConnection as Database

NETWORK_WATCH = "network"


def network_unreachable(
    db: Database, config: Config, *, title: str, reason: str, now: datetime
) -> tuple[AlertEvent | None, str]:
    """Raise or update the alert of the current episode; returns its event (None when
    nothing changed) and the episode's start (ISO)."""
    before = state.network_down(db)
    since = before.since if before is not None else iso(now)
    state.mark_network_down(db, since=since, reason=reason)
    subject = f"network:{since}"
    existing = store.get_alert(db, NETWORK_WATCH, subject)
    detail = f"unreachable since {_when(since)}; feed-health alerts wait until it is back"
    alert, created = store.upsert_alert(
        db,
        kind=AlertKind.NETWORK,
        watch=NETWORK_WATCH,
        subject=subject,
        title=title,
        now=now,
        detail=detail,
    )
    if not created and existing is not None and existing.title == title:
        return None, since
    return _event(config, alert.id, title, detail, subject, created, alert.state, now), since


def network_back(db: Database, config: Config, *, now: datetime) -> AlertEvent | None:
    """The network answers again: the episode ends and its alert is cleared."""
    before = state.network_down(db)
    if before is None:
        return None
    state.mark_network_up(db)
    subject = f"network:{before.since}"
    if store.get_alert(db, NETWORK_WATCH, subject) is None:
        return None
    title = f"network was unreachable from {_when(before.since)} to {_when(iso(now))}"
    detail = f"back at {_when(iso(now))}"
    alert, _ = store.upsert_alert(
        db,
        kind=AlertKind.NETWORK,
        watch=NETWORK_WATCH,
        subject=subject,
        title=title,
        now=now,
        detail=detail,
    )
    store.set_alert_state(db, alert.id, AlertState.DISMISSED)
    return _event(config, alert.id, title, detail, subject, False, AlertState.DISMISSED, now)


def _event(
    config: Config,
    alert_id: int,
    title: str,
    detail: str,
    subject: str,
    created: bool,
    alert_state: str,
    now: datetime,
) -> AlertEvent:
    alerts = config.alerts
    return AlertEvent(
        alert_id,
        AlertKind.NETWORK,
        NETWORK_WATCH,
        None,
        title,
        "",
        (),
        created,
        alerts.feed_notify,
        alerts.feed_webhook,
        subject,
        detail,
        None,
        str(alert_state),
        iso(now),
    )


def _when(stamp: str) -> str:
    return from_iso(stamp).strftime("%Y-%m-%d %H:%M UTC")
