"""One feed's fetch outcome → the store, in ONE write transaction.

Articles are upserted, new or edited ones tagged, clustered and checked against the
watches, and the feed's fetch state and next poll are written, all committed together:
a kill at any moment leaves either all of a feed's poll or none of it. Events for the
caller (``poll --json`` lines) are built here and handed out only after the commit.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from chipwatch.config import Config
from chipwatch.ingest.guard import sendable
from chipwatch.ingest.schedule import NextPoll, after_failure, after_success
from chipwatch.ingest.types import FetchKind, FetchResult, ParsedFeed
from chipwatch.model import FeedState, FeedStatus
from chipwatch.pipeline.write import store_articles
from chipwatch.store import queries
from chipwatch.store.db import StoreError, write_transaction
from chipwatch.timeutil import iso

# Outcome statuses shown in the poll report (feeds.last_status uses FeedStatus).
OK, NOT_MODIFIED, UNCHANGED, FAILED, GONE, SKIPPED = (
    "ok",
    "not_modified",
    "unchanged",
    "failed",
    "gone",
    "skipped",
)


@dataclass
class FeedOutcome:
    """What one feed's poll did, for the report and the events."""

    feed_id: int
    url: str
    name: str
    status: str
    error: str | None = None
    http_status: int | None = None
    new_articles: int = 0
    updated_articles: int = 0
    new_stories: int = 0
    moved_to: str | None = None
    warning: str | None = None
    retry_at: str | None = None
    capped: int = 0  # new articles left out by [poll] max_new_per_feed
    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)  # AlertEvent values, for notifiers

    def to_json(self) -> dict[str, Any]:
        """The ``{"type": "feed", ...}`` event line."""
        line = {
            "type": "feed",
            "id": self.feed_id,
            "url": self.url,
            "name": self.name,
            "status": self.status,
            "http": self.http_status,
            "new": self.new_articles,
            "updated": self.updated_articles,
            "new_stories": self.new_stories,
        }
        for key in ("error", "warning", "moved_to", "retry_at", "capped"):
            if getattr(self, key):
                line[key] = getattr(self, key)
        return line


def body_hash(body: bytes) -> str:
    """Identity of a fetched body: an identical body is not parsed again."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


class Services:
    """The tagger, clusterer and alert engine bound to one store connection (one thread).

    The clusterer loads its index from the store, which costs time proportional to the
    recent archive; it is built on first use, so a poll where nothing changed (all 304s)
    never pays for it.
    """

    def __init__(self, db: Database, config: Config) -> None:
        from chipwatch.alerts.engine import AlertEngine
        from chipwatch.entities.tagger import build_tagger

        self.db = db
        self.config = config
        self.tagger = build_tagger(config)
        self.alerts = AlertEngine(db, config, self.tagger)
        self._clusterer: Any = None

    @property
    def clusterer(self) -> Any:
        """The :class:`~chipwatch.clustering.clusterer.Clusterer`, built on first use."""
        if self._clusterer is None:
            from chipwatch.clustering.clusterer import Clusterer

            self._clusterer = Clusterer(
                self.db, self.config.cluster, languages=self.config.ui.languages
            )
        return self._clusterer

    def after_rollback(self) -> None:
        """The clusterer's in-memory index must forget what the rollback undid."""
        if self._clusterer is not None:
            self._clusterer.reload()


@dataclass(frozen=True)
class FeedPoll:
    """Everything ingest needs about one feed's poll."""

    feed: FeedState
    interval: timedelta
    result: FetchResult
    parsed: ParsedFeed | None = None  # None: not parsed (error, 304 or unchanged body)
    identity: str = ""  # the URL that scopes article keys (configured URL)


def label(feed: FeedState) -> str:
    return feed.name or feed.url


def ingest(services: Services, poll: FeedPoll, *, now: datetime, rng: random.Random) -> FeedOutcome:
    """Write one feed's poll in one transaction; returns what happened."""
    db = services.db
    outcome = FeedOutcome(
        poll.feed.id, poll.feed.url, label(poll.feed), OK, http_status=poll.result.status
    )
    try:
        with write_transaction(db):
            _write(services, poll, outcome, now=now, rng=rng)
    except sqlite3.OperationalError as exc:  # the store itself: full, read-only, I/O
        raise StoreError(f"cannot write to the store: {exc}") from exc
    except Exception as exc:
        services.after_rollback()
        return _record_failure(
            services,
            poll,
            f"could not store the feed's articles: {type(exc).__name__}: {exc}",
            now=now,
            rng=rng,
        )
    return outcome


def ingest_states(
    services: Services, polls: list[tuple[FeedPoll, datetime]], *, rng: random.Random
) -> list[FeedOutcome]:
    """Write many article-less polls (304s, unchanged bodies, errors) in one transaction.

    They touch only their feeds' rows, so grouping them loses nothing on a crash; on
    any failure each is written on its own.
    """
    outcomes = []
    try:
        with write_transaction(services.db):
            for poll, now in polls:
                outcome = FeedOutcome(
                    poll.feed.id,
                    poll.feed.url,
                    label(poll.feed),
                    OK,
                    http_status=poll.result.status,
                )
                _write(services, poll, outcome, now=now, rng=rng)
                outcomes.append(outcome)
    except sqlite3.OperationalError as exc:
        raise StoreError(f"cannot write to the store: {exc}") from exc
    except Exception:
        return [ingest(services, poll, now=now, rng=rng) for poll, now in polls]
    return outcomes


def _write(
    services: Services, poll: FeedPoll, outcome: FeedOutcome, *, now: datetime, rng: random.Random
) -> None:
    result, parsed = poll.result, poll.parsed
    if result.moved_to and queries.move_feed(services.db, poll.feed.id, result.moved_to):
        outcome.moved_to = result.moved_to
        outcome.url = result.moved_to
    if result.kind == FetchKind.GONE:
        _gone(services.db, poll, outcome, now)
    elif result.kind == FetchKind.ERROR or (parsed is not None and not parsed.ok):
        reason = result.error or (parsed.error if parsed else None) or "unknown error"
        _failed(services.db, poll, outcome, reason, now=now, rng=rng)
    elif result.kind == FetchKind.NOT_MODIFIED or parsed is None:
        outcome.status = NOT_MODIFIED if result.kind == FetchKind.NOT_MODIFIED else UNCHANGED
        _succeeded(services.db, poll, outcome, now=now)
    else:
        outcome.warning = parsed.warning
        store_articles(services, poll, parsed, outcome, now=now)
        _succeeded(services.db, poll, outcome, now=now)


def _succeeded(db: Database, poll: FeedPoll, outcome: FeedOutcome, *, now: datetime) -> None:
    result, parsed = poll.result, poll.parsed
    hint = parsed.min_interval_s if parsed else poll.feed.min_interval_s
    plan = after_success(now, poll.interval, hint, result.max_age_s)
    values: dict[str, Any] = {
        "last_status": FeedStatus.OK if outcome.status == OK else FeedStatus.NOT_MODIFIED,
        "last_http_status": result.status,
        "last_error": _warning(parsed),
        "error_count": 0,
        "last_fetch_at": iso(now),
        "last_ok_at": iso(now),
        "next_poll_at": iso(plan.next_poll_at or now),
        "retry_after_until": None,
        # A stored validator that cannot be sent back (an older chipwatch kept non-ASCII
        # ones) is dropped here, so the store heals on the feed's next good poll.
        "etag": result.etag or sendable(poll.feed.etag),
        "last_modified": result.last_modified or sendable(poll.feed.last_modified),
    }
    if parsed is not None:
        values.update(
            min_interval_s=parsed.min_interval_s,
            body_hash=body_hash(result.body),
            title=parsed.title,
            site_url=parsed.site_url or None,
        )
    if outcome.new_articles:
        values["last_new_at"] = iso(now)
    queries.update_feed_state(db, poll.feed.id, **values)


def _warning(parsed: ParsedFeed | None) -> str | None:
    return f"warning: {parsed.warning}" if parsed is not None and parsed.warning else None


def _failed(
    db: Database,
    poll: FeedPoll,
    outcome: FeedOutcome,
    reason: str,
    *,
    now: datetime,
    rng: random.Random,
) -> None:
    failures = poll.feed.error_count + 1
    plan: NextPoll = after_failure(now, poll.interval, failures, rng, poll.result.retry_after_s)
    outcome.status, outcome.error = FAILED, reason
    outcome.retry_at = iso(plan.retry_after_until) if plan.retry_after_until else None
    queries.update_feed_state(
        db,
        poll.feed.id,
        last_status=FeedStatus.ERROR,
        last_http_status=poll.result.status,
        last_error=reason,
        error_count=failures,
        last_fetch_at=iso(now),
        next_poll_at=iso(plan.next_poll_at or now),
        retry_after_until=outcome.retry_at,
    )
    outcome.events.append(_feed_error_event(poll, outcome))


def _gone(db: Database, poll: FeedPoll, outcome: FeedOutcome, now: datetime) -> None:
    reason = poll.result.error or "HTTP 410 Gone"
    outcome.status, outcome.error = GONE, reason
    queries.update_feed_state(
        db,
        poll.feed.id,
        last_status=FeedStatus.DISABLED,
        last_http_status=poll.result.status,
        last_error=reason,
        disabled_reason=reason,
        last_fetch_at=iso(now),
        next_poll_at=None,
        error_count=poll.feed.error_count + 1,
    )
    outcome.events.append(_feed_error_event(poll, outcome))


def _feed_error_event(poll: FeedPoll, outcome: FeedOutcome) -> dict[str, Any]:
    return {
        "type": "feed_error",
        "id": poll.feed.id,
        "url": outcome.url,
        "name": outcome.name,
        "status": outcome.status,
        "http": poll.result.status,
        "error": outcome.error,
        "retry_at": outcome.retry_at,
    }


def _record_failure(
    services: Services, poll: FeedPoll, reason: str, *, now: datetime, rng: random.Random
) -> FeedOutcome:
    outcome = FeedOutcome(
        poll.feed.id, poll.feed.url, label(poll.feed), FAILED, http_status=poll.result.status
    )
    with write_transaction(services.db):
        _failed(services.db, poll, outcome, reason, now=now, rng=rng)
    return outcome


def skipped(feed: FeedState) -> FeedOutcome:
    """A feed left alone because its server's Retry-After has not passed."""
    return FeedOutcome(
        feed.id,
        feed.url,
        label(feed),
        SKIPPED,
        retry_at=feed.retry_after_until,
        error=f"server asked to wait until {feed.retry_after_until}",
    )
