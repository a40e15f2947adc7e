"""Plain data shared by every layer: no I/O, no SQL, no Textual.

Times are timezone-aware ``datetime`` values in UTC. In the store they are ISO 8601
strings ending in ``Z`` (see :func:`chipwatch.timeutil.iso`), which sort as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class EntityKind(StrEnum):
    """The kinds of thing the tagger knows."""

    CHIP = "chip"
    COMPANY = "company"
    AGENCY = "agency"
    PERSON = "person"
    PLACE = "place"
    POLICY = "policy"


ENTITY_KINDS: tuple[str, ...] = tuple(k.value for k in EntityKind)


class FeedStatus(StrEnum):
    """Outcome of the last fetch of a feed, as stored in ``feeds.last_status``."""

    NEW = "new"  # never fetched
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    DISABLED = "disabled"  # 410 Gone, or disabled by the user


class AlertState(StrEnum):
    NEW = "new"
    SEEN = "seen"
    DISMISSED = "dismissed"


class AlertKind(StrEnum):
    WATCH = "watch"  # a query watch matched a story
    SPIKE = "spike"  # an entity's story count spiked
    FEED = "feed"  # a feed is failing or silent
    NETWORK = "network"  # the network is unreachable (one alert, not one per feed)


@dataclass(frozen=True, slots=True)
class Article:
    """One entry of one feed, normalized.

    ``key`` is the identity used for de-duplication (see ``chipwatch.ingest.parse.normalize.article_key``):
    re-fetching the same entry yields the same key and never a second row.
    """

    key: str
    feed_url: str
    title: str
    summary: str
    url: str
    published: datetime
    fetched_at: datetime
    guid: str | None = None
    published_estimated: bool = False
    lang: str = "und"
    author: str = ""
    feed_name: str = ""
    id: int | None = None
    story_id: int | None = None
    # The feed gave no title: ``title`` is the summary's first sentence, for display.
    # Clustering compares no title then, only the text.
    title_derived: bool = False

    @property
    def text(self) -> str:
        """Title and summary, the text that tagging and queries look at."""
        return f"{self.title}\n{self.summary}" if self.summary else self.title


@dataclass(frozen=True, slots=True)
class Alias:
    """One way an entity is written.

    ``requires``: names (or kinds) of other entities, at least one of which must be
    tagged in the same article for this alias to count, e.g. "H2O" as the H20 chip
    only next to NVIDIA or another chip.
    """

    text: str
    case_sensitive: bool = False
    requires: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical named thing with its aliases in many languages."""

    name: str
    kind: str
    aliases: tuple[Alias, ...] = ()
    parent: str | None = None


class EntityMatch(NamedTuple):
    """One mention of an entity in an article's title or summary.

    ``start``/``end`` are character offsets into the original (un-normalized) field text.
    A NamedTuple rather than a frozen dataclass: the tagger builds tens of thousands a
    second and a tuple is immutable, hashable and picklable at a fraction of the cost.
    """

    entity: str
    kind: str
    field: str  # "title", "summary", or "body" (a full_text page: model.BODY_FIELD)
    start: int
    end: int
    text: str
    rule: str = ""  # the alias (and gate) that matched, for `entities test`


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where clustering put an article, and why (stored with the article as a
    :class:`chipwatch.clustering.explanation.Explanation`)."""

    story_id: int
    new_story: bool
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    shared_entities: tuple[str, ...] = ()
    shared_words: tuple[str, ...] = ()
    matched_article_id: int | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """A cluster of articles about one real-world event."""

    id: int
    title: str
    first_seen: str
    last_updated: str
    article_count: int = 0
    outlet_count: int = 0
    languages: tuple[str, ...] = ()
    pinned: bool = False
    read: bool = False


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert per (watch, subject): a story, a feed or an entity spike."""

    id: int
    kind: str
    watch: str
    subject: str
    title: str
    state: str
    created_at: str
    updated_at: str
    story_id: int | None = None
    feed_id: int | None = None
    detail: str = ""
    article_id: int | None = None  # a watch alert's article: it follows it between stories


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed as the store knows it: configuration plus fetch state."""

    id: int
    url: str
    name: str
    enabled: bool = True
    tags: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    last_status: str = FeedStatus.NEW
    last_http_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    last_fetch_at: str | None = None
    last_ok_at: str | None = None
    last_new_at: str | None = None
    next_poll_at: str | None = None
    retry_after_until: str | None = None
    min_interval_s: int | None = None
    body_hash: str | None = None
    disabled_reason: str | None = None
    title: str = ""  # the feed's own title, from its last good parse

    @property
    def label(self) -> str:
        """The feed's display name (:func:`feed_label`)."""
        return feed_label(self.name, self.title, self.url)


def feed_label(name: str | None, title: str | None, url: str) -> str:
    """A feed's display name: its configured name, else its own title, else its URL.

    The one rule, wherever a feed is named (search, digests, alerts, the monitor, poll
    events); the store applies it in SQL as :data:`chipwatch.store.feed_label.FEED_LABEL_SQL`
    (a test holds the two together).
    """
    return name or title or url


class TextStatus(StrEnum):
    """What fetching an article's page gave (``article_texts.status``)."""

    OK = "ok"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ArticleText:
    """An article page's main text (the reader view; ``full_text`` feeds), or why there
    is none. Kept per page URL in the store's ``article_texts``; ``text`` is clean plain
    text (paragraphs on their own lines), never markup."""

    url: str
    status: str  # TextStatus
    fetched_at: datetime
    extractor: str  # e.g. "trafilatura 2.3.1": text from another one is extracted again
    text: str = ""
    error: str | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == TextStatus.OK and bool(self.text)


# How much of a page's text tagging and clustering see, after the feed's own summary:
# enough for the paragraphs that name what a teaser leaves out, while tagging an
# article stays a matter of microseconds.
BODY_FOR_ANALYSIS = 4000
BODY_FIELD = "body"  # EntityMatch.field of a mention found in the page's text
_BODY_JOIN = "\n\n"


def with_body(article: Article, body: str) -> Article:
    """The article as tagging and clustering see it when its page's text is known: the
    feed's summary, then the first BODY_FOR_ANALYSIS characters of the page. Only for
    analysis: the stored summary stays the feed's (digests, the detail pane, search)."""
    if not body:
        return article
    excerpt = body[:BODY_FOR_ANALYSIS]
    summary = f"{article.summary}{_BODY_JOIN}{excerpt}" if article.summary else excerpt
    return replace(article, summary=summary)


def body_offset(summary: str) -> int:
    """Where the page's text starts in :func:`with_body`'s summary for ``summary``."""
    return len(summary) + len(_BODY_JOIN) if summary else 0


def split_body_matches(matches: list[EntityMatch], summary: str) -> list[EntityMatch]:
    """Mentions found in :func:`with_body`'s summary, as stored: those in the page's
    text become field ``body``, with offsets into the page's text."""
    start = body_offset(summary)
    return [
        m._replace(field=BODY_FIELD, start=m.start - start, end=m.end - start)
        if m.field == "summary" and m.start >= start
        else m
        for m in matches
    ]


def join_body_matches(matches: list[EntityMatch], summary: str) -> list[EntityMatch]:
    """The inverse of :func:`split_body_matches` (an article read back for clustering)."""
    start = body_offset(summary)
    return [
        m._replace(field="summary", start=m.start + start, end=m.end + start)
        if m.field == BODY_FIELD
        else m
        for m in matches
    ]
