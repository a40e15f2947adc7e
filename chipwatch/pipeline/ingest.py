"""One feed's fetch outcome → the store, in ONE write transaction.

Articles are upserted, new or edited ones tagged, clustered and checked against the
watches, and the feed's fetch state and next poll are written, all committed together:
a kill at any moment leaves either all of a feed's poll or none of it. Events for the
caller (``poll --json`` lines) are built here and handed out only after the commit.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.ingest.guard import sendable
from chipwatch.ingest.reasons import technical
from chipwatch.ingest.schedule import NextPoll, after_failure, after_success
from chipwatch.ingest.types import FetchKind, ParsedFeed
from chipwatch.model import FeedState, FeedStatus
from chipwatch.pipeline.outcome import (
    FAILED,
    GONE,
    NOT_MODIFIED,
    OK,
    SKIPPED,
    UNCHANGED,
    FeedOutcome,
    FeedPoll,
    label,
)
from chipwatch.pipeline.services import Services
from chipwatch.store import queries
from chipwatch.store.db import StoreError, write_transaction
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from chipwatch.store.db import AnyConnection


def ingest(services: Services, poll: FeedPoll, *, now: datetime, rng: random.Random) -> FeedOutcome:
    """Write one feed's poll in one transaction; returns what happened."""
    db = services.conn
    outcome = FeedOutcome(
        poll.feed.id, poll.feed.url, label(poll), OK, http_status=poll.result.status
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
            "could not store the feed's articles: an internal error (`feeds list --verbose` shows it)",
            now=now,
            rng=rng,
            detail=technical(exc),
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
        with write_transaction(services.conn):
            for poll, now in polls:
                outcome = FeedOutcome(
                    poll.feed.id,
                    poll.feed.url,
                    label(poll),
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
    if result.moved_to and queries.move_feed(services.conn, poll.feed.id, result.moved_to):
        outcome.moved_to = result.moved_to
        outcome.url = result.moved_to
    if result.kind == FetchKind.GONE:
        _gone(services.conn, poll, outcome, now)
    elif result.kind == FetchKind.ERROR or (parsed is not None and not parsed.ok):
        reason = result.error or (parsed.error if parsed else None) or "unknown error"
        outcome.error_detail = result.detail or (parsed.detail if parsed else None)
        outcome.failure = result.failure
        _failed(services.conn, poll, outcome, reason, now=now, rng=rng)
    elif result.kind == FetchKind.NOT_MODIFIED or parsed is None:
        outcome.status = NOT_MODIFIED if result.kind == FetchKind.NOT_MODIFIED else UNCHANGED
        _succeeded(services.conn, poll, outcome, now=now)
    else:
        # Imported here: the article path (tagging, clustering, story rows) costs an
        # unchanged poll (all 304) nothing, not even its imports.
        from chipwatch.pipeline.write import store_articles
        from chipwatch.store.fulltext import mark_analysed, save_texts

        outcome.warning = parsed.warning
        if poll.texts or poll.analysed:  # a full_text feed's pages, with its articles
            save_texts(services.db, poll.texts, analysed=False)
            mark_analysed(services.db, poll.analysed)
        store_articles(services, poll, parsed, outcome, now=now)
        _succeeded(services.conn, poll, outcome, now=now)


def _succeeded(db: AnyConnection, poll: FeedPoll, outcome: FeedOutcome, *, now: datetime) -> None:
    result, parsed = poll.result, poll.parsed
    hint = parsed.min_interval_s if parsed else poll.feed.min_interval_s
    plan = after_success(now, poll.interval, hint, result.max_age_s)
    values: dict[str, Any] = {
        "last_status": FeedStatus.OK if outcome.status == OK else FeedStatus.NOT_MODIFIED,
        "last_http_status": result.status,
        "last_error": _warning(parsed),
        "last_error_detail": parsed.detail if parsed is not None and parsed.warning else None,
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
            body_hash=poll.body_hash,
            title=parsed.title,
            site_url=parsed.site_url or None,
        )
    if outcome.new_articles:
        values["last_new_at"] = iso(now)
    queries.update_feed_state(db, poll.feed.id, **values)


def _warning(parsed: ParsedFeed | None) -> str | None:
    return f"warning: {parsed.warning}" if parsed is not None and parsed.warning else None


def _failed(
    db: AnyConnection,
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
        last_error_detail=outcome.error_detail,
        error_count=failures,
        last_fetch_at=iso(now),
        next_poll_at=iso(plan.next_poll_at or now),
        retry_after_until=outcome.retry_at,
    )
    outcome.events.append(_feed_error_event(poll, outcome))


def _gone(db: AnyConnection, poll: FeedPoll, outcome: FeedOutcome, now: datetime) -> None:
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
        **({"error_detail": outcome.error_detail} if outcome.error_detail else {}),
        **({"failure": outcome.failure} if outcome.failure else {}),
        "retry_at": outcome.retry_at,
    }


def _record_failure(
    services: Services,
    poll: FeedPoll,
    reason: str,
    *,
    now: datetime,
    rng: random.Random,
    detail: str | None = None,
) -> FeedOutcome:
    outcome = FeedOutcome(
        poll.feed.id,
        poll.feed.url,
        poll.feed.label,
        FAILED,
        http_status=poll.result.status,
        error_detail=detail,
    )
    with write_transaction(services.conn):
        _failed(services.conn, poll, outcome, reason, now=now, rng=rng)
    return outcome


def skipped(feed: FeedState) -> FeedOutcome:
    """A feed left alone because its server's Retry-After has not passed."""
    return FeedOutcome(
        feed.id,
        feed.url,
        feed.label,
        SKIPPED,
        retry_at=feed.retry_after_until,
        error=f"server asked to wait until {feed.retry_after_until}",
    )
