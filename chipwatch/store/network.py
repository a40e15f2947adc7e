"""The network's state as the poller last judged it ("unreachable since …"), kept in the
``meta`` table, and the feed-row changes an unreachable round makes.

The judgement itself is the poller's (:mod:`chipwatch.pipeline.network`). While the
network is down, its failures are not the feeds': a round judged unreachable gives its
failed feeds their failure back (``error_count``) and a short retry instead of a
growing backoff, so the feeds are polled again soon after the network returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chipwatch.timeutil import iso

if TYPE_CHECKING:  # a plain sqlite3 connection serves as well (the monitor's reads)
    from chipwatch.store.db import AnyConnection as Database

_SINCE, _REASON = "network.down_since", "network.reason"


@dataclass(frozen=True, slots=True)
class NetworkDown:
    """The network has been unreachable since ``since`` (ISO), for ``reason``."""

    since: str
    reason: str


def network_down(db: Database) -> NetworkDown | None:
    """The current unreachable episode, or None when the network was last seen up."""
    rows = dict(
        db.execute("SELECT key, value FROM meta WHERE key IN (?, ?)", [_SINCE, _REASON]).fetchall()
    )
    if not rows.get(_SINCE):
        return None
    return NetworkDown(str(rows[_SINCE]), str(rows.get(_REASON) or ""))


def mark_network_down(db: Database, *, since: datetime | str, reason: str) -> None:
    """Record (or keep) the unreachable episode; its start never moves."""
    stamp = since if isinstance(since, str) else iso(since)
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [_SINCE, stamp])
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [_REASON, reason])


def mark_network_up(db: Database) -> None:
    db.execute("DELETE FROM meta WHERE key IN (?, ?)", [_SINCE, _REASON])


def forgive_failures(db: Database, feed_ids: Iterable[int], *, retry_at: datetime) -> None:
    """The feeds that failed only because the network was down: their failure does not
    count (``error_count`` back down by one) and they are tried again by ``retry_at``
    (their backoff would have put them further away)."""
    stamp = iso(retry_at)
    for feed_id in feed_ids:
        db.execute(
            "UPDATE feeds SET error_count = max(error_count - 1, 0), "
            "next_poll_at = CASE WHEN next_poll_at IS NULL OR next_poll_at > ? THEN ? "
            "ELSE next_poll_at END WHERE id = ? AND last_status = 'error'",
            [stamp, stamp, feed_id],
        )
