"""What one feed's poll is and what it did: the values ingest and the report share."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from chipwatch.ingest.types import FetchResult, ParsedFeed
from chipwatch.model import ArticleText, FeedState, feed_label

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
    error_detail: str | None = None  # the technical detail under ``error``
    failure: str | None = None  # the fetch's failure code (chipwatch.ingest.reasons)
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
        for key in ("error", "error_detail", "warning", "moved_to", "retry_at", "capped"):
            if getattr(self, key):
                line[key] = getattr(self, key)
        return line


def body_hash(body: bytes) -> str:
    """Identity of a fetched body: an identical body is not parsed again."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


@dataclass(frozen=True)
class FeedPoll:
    """Everything ingest needs about one feed's poll."""

    feed: FeedState
    interval: timedelta
    result: FetchResult
    parsed: ParsedFeed | None = None  # None: not parsed (error, 304 or unchanged body)
    identity: str = ""  # the URL that scopes article keys (configured URL)
    # A full_text feed (pipeline/fulltext.py): the pages fetched now, and the URLs of
    # every page text tagging and clustering saw in this poll.
    texts: tuple[ArticleText, ...] = ()
    analysed: tuple[str, ...] = ()
    digest: str = ""  # body_hash of the body, kept when the body was dropped after parsing
    # A long feed (pipeline/longfeed.py): parses the body again for the articles at the
    # given positions, on the store's thread; it holds the body until the feed is written.
    pick: Callable[[tuple[int, ...]], ParsedFeed] | None = None
    spilled: Any = None  # its body's temporary file (spill.Spilled), removed once written

    @property
    def body_hash(self) -> str:
        return self.digest or body_hash(self.result.body)


def label(poll: FeedPoll) -> str:
    """The feed's display name as the store gives it once this poll is written: this
    document's title stands in for a missing name (:func:`chipwatch.model.feed_label`)."""
    parsed = poll.parsed
    title = parsed.title if parsed is not None and parsed.ok else poll.feed.title
    return feed_label(poll.feed.name, title, poll.feed.url)
