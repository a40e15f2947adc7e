"""The values fetching and parsing hand on: what to fetch, what came back, what a
document held. Plain and picklable (a parse runs in a worker process); no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chipwatch.model import Article


class FetchKind:
    """The kinds of fetch outcome (``FetchResult.kind``)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    GONE = "gone"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What to fetch, with the validators from the last successful fetch."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    feed_id: int | None = None
    # An article's web page rather than a feed: the URL of the feed that links to it.
    # The page is asked for as HTML, under PAGE_MAX_BYTES, and a feed on a public
    # address cannot send it to a private one (ingest/guard.py).
    page_of: str | None = None

    @property
    def what(self) -> str:
        """``feed`` or ``page``, as error messages name it."""
        return "page" if self.page_of is not None else "feed"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetch's outcome. ``error`` is a readable reason when ``kind`` is error or gone."""

    url: str
    kind: str
    status: int | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    moved_to: str | None = None  # a permanent redirect: where the feed lives now
    error: str | None = None
    # The technical detail of ``error`` (exception and cause), and its code
    # (chipwatch.ingest.reasons: "dns", "refused", …), for --verbose and the poller.
    detail: str | None = None
    failure: str | None = None
    retry_after_s: float | None = None  # the server asked us to wait this long
    max_age_s: int | None = None  # Cache-Control max-age

    @property
    def ok(self) -> bool:
        return self.kind == FetchKind.OK


def describe_size(size: int) -> str:
    """``20971520`` → ``20 MiB``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


# An article page larger than this is refused even when [poll] max_bytes allows more:
# a page is read whole for its text, and the extractor's time grows with its size.
PAGE_MAX_BYTES = 5 * 1024 * 1024


def body_limit(max_bytes: int, what: str = "feed") -> int:
    """The largest body accepted: ``[poll] max_bytes``, and at most PAGE_MAX_BYTES for a page."""
    return min(max_bytes, PAGE_MAX_BYTES) if what == "page" else max_bytes


def too_large(max_bytes: int, what: str = "feed") -> str:
    """The reason a body over ``[poll] max_bytes`` is refused (HTTP and local files)."""
    if what == "page":
        return f"page too large: over {describe_size(body_limit(max_bytes, what))}"
    return f"feed too large: over {describe_size(max_bytes)} ([poll] max_bytes)"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one feed document held: its articles and metadata, or why it could not be read."""

    articles: tuple[Article, ...] = ()
    title: str = ""
    site_url: str = ""
    lang: str | None = None
    min_interval_s: int | None = None  # from <ttl> or sy:updatePeriod
    version: str = ""
    warning: str | None = None  # a bozo feed that still yielded entries
    error: str | None = None  # nothing usable: not a feed, empty, unreadable
    detail: str | None = None  # the technical detail of error or warning (parser messages)
    # Per article (same order), its entity mentions and clustering features when a
    # worker computed them (chipwatch.pipeline.prepare.Prepared); empty otherwise.
    prepared: tuple[Any, ...] = ()
    # A feed of more articles than the writer may store new (chipwatch.pipeline.longfeed):
    # ``articles`` holds only some of them, this every article's key, hash and time.
    long: LongFeed | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class LongFeed:
    """Every article of a long feed, in feed order, as much as deciding which to write
    needs: its key, its content hash (``store.articles.content_hash``) and its published
    time (POSIX seconds). ``positions``: where each of ``ParsedFeed.articles`` stands in
    the feed (ascending). A worker hands this on instead of every parsed article (~1 KB
    each in the poller): a feed of 100,000 items would hold ~200 MB there."""

    positions: tuple[int, ...]
    keys: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    published: tuple[float, ...] = ()
