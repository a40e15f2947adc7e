"""What a config file holds, as frozen dataclasses: one per table, a docstring per key.

The defaults here are the ones ``config.toml`` (the documented, shipped default) shows;
:mod:`chipwatch.config.load` builds these from a file and :mod:`chipwatch.config.checks`
holds the allowed values and ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from chipwatch import __version__
from chipwatch.errors import UserError

PROJECT_URL = "https://github.com/chipwatch/chipwatch"
DEFAULT_USER_AGENT = f"chipwatch/{__version__} (+{PROJECT_URL})"


class ConfigError(UserError):
    """A config file cannot be used. ``str()`` is the one line shown to the user."""


@dataclass(frozen=True, slots=True)
class PollConfig:
    """``[poll]``: how feeds are fetched."""

    interval: timedelta = timedelta(minutes=15)
    """How often a feed is fetched unless it sets its own; feed hints only lengthen it."""
    concurrency: int = 16
    """Feeds fetched at once, in all."""
    per_host: int = 2
    """Requests in flight to one host at once."""
    timeout: float = 30.0
    """Seconds one fetch may take, connect to last byte (a dripping server is cut)."""
    connect_timeout: float = 10.0
    """Seconds allowed to open the connection."""
    max_bytes: int = 20 * 1024 * 1024
    """Largest body accepted, counted after decompression."""
    max_redirects: int = 5
    """Redirects followed before a fetch fails."""
    max_new_per_feed: int = 500
    """New articles stored per feed per poll, newest first; the rest wait."""
    user_agent: str = DEFAULT_USER_AGENT
    """Sent with every request."""
    workers: int = 0
    """Parse worker processes; 0 = one per core, 1 = a thread of the poller."""


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One ``[[feeds]]`` table."""

    url: str
    """``http(s)://…``, ``file://…`` or a local path."""
    name: str = ""
    """Display name; empty: the feed's own title (see :func:`chipwatch.model.feed_label`)."""
    interval: timedelta | None = None
    """Overrides ``[poll] interval`` for this feed."""
    enabled: bool = True
    """False keeps the feed configured without polling it."""
    tags: tuple[str, ...] = ()
    """Free labels; OPML categories become tags."""
    must_not_miss: timedelta | None = None
    """A feed silent (no new article) longer than this raises a feed-health alert."""
    full_text: bool = False
    """Fetch each new article's web page at ingest, so tagging and clustering see its
    text too (for feeds that ship only a teaser); see docs/fulltext.md."""


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """One ``[[watch]]`` table: a saved query (or an entity spike) that raises alerts."""

    name: str
    """Shown in the alerts pane, digests and ``poll --json``; defaults to the query."""
    query: str = ""
    """The query language (docs/query.md); required for ``kind = "query"``."""
    notify: tuple[str, ...] = ()
    """Channels besides the monitor (:data:`chipwatch.alerts.channels.NAMES`)."""
    webhook: str | None = None
    """The URL a ``webhook`` channel posts to."""
    kind: str = "query"
    """``query`` or ``spike``."""
    entity: str | None = None
    """A spike watch's entity."""
    factor: float | None = None
    """A spike watch's ratio to the daily average; None: ``[alerts] spike_factor``."""
    min_stories: int | None = None
    """A spike watch's least stories in 24 h; None: ``[alerts] spike_min_stories``."""


@dataclass(frozen=True, slots=True)
class MuteConfig:
    """One ``[[mute]]`` table: a query whose stories are hidden and never alert."""

    query: str
    """The query language (docs/query.md); a story is muted when one of its articles
    matches, the same rule as watches and search."""
    name: str = ""
    """A label for the rule (shown when the monitor adds one); defaults to the query."""


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """``[cluster]``: the time window, the join threshold and signal weight overrides."""

    window: timedelta = timedelta(hours=72)
    """Articles are compared only with those published within this window of theirs."""
    threshold: float = 0.4
    """Score at which an article joins a story (tuned on tests/data/cluster)."""
    weights: Mapping[str, float] = field(default_factory=dict)
    """Overrides of the signal weights (:data:`chipwatch.clustering.signals.SIGNALS`)."""


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """``[alerts]``: feed health, spike defaults and webhook delivery."""

    feed_failures: int = 3
    """Polls failing in a row before a feed-health alert."""
    spike_factor: float = 3.0
    """Default ratio of the last 24 h to the previous 7 days' daily average."""
    spike_min_stories: int = 3
    """Default least stories in the last 24 h before a spike counts."""
    webhook_timeout: float = 10.0
    """Seconds per delivery attempt in total (connect, send, the answer's head)."""
    webhook_retries: int = 3
    """Retries after a failed attempt that may succeed later (5xx, 429, 408, network)."""
    webhook_backoff: float = 1.0
    """Seconds before the first retry; doubles each time."""
    feed_notify: tuple[str, ...] = ()
    """Channels for feed-health alerts."""
    feed_webhook: str | None = None
    """The URL for feed-health alerts with ``webhook``."""


@dataclass(frozen=True, slots=True)
class EntityConfig:
    """One ``[entities.NAME]`` table: a user entity, or aliases for a built-in one."""

    name: str
    """The canonical name (the table's key)."""
    kind: str | None = None
    """chip, company, agency, person, place or policy; required for a new entity."""
    aliases: tuple[str, ...] = ()
    """Other spellings, in any language or script."""
    requires: tuple[str, ...] = ()
    """Entities or kinds one of which must be in the article for the aliases to count."""
    parent: str | None = None
    """A broader entity (a chip's family, a company's owner)."""


@dataclass(frozen=True, slots=True)
class UIConfig:
    """``[ui]``: the monitor."""

    theme: str = "textual-dark"
    """A Textual theme name."""
    languages: tuple[str, ...] = ("en",)
    """Languages the user reads, most preferred first: story headlines prefer them."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id = key."""
    window: str = "7d"
    """The monitor's default window (one of :data:`chipwatch.timeutil.WINDOWS`)."""


@dataclass(frozen=True, slots=True)
class Config:
    """A whole config file."""

    path: Path | None = None
    """Where it was read from (None: built in code)."""
    poll: PollConfig = field(default_factory=PollConfig)
    feeds: tuple[FeedConfig, ...] = ()
    watches: tuple[WatchConfig, ...] = ()
    mutes: tuple[MuteConfig, ...] = ()
    """The ``[[mute]]`` rules: their stories are hidden from the monitor and raise no
    alert (:attr:`mute_query` joins them)."""
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    entities: tuple[EntityConfig, ...] = ()
    ui: UIConfig = field(default_factory=UIConfig)
    warnings: tuple[str, ...] = ()
    """Unknown keys and ignored duplicates, one line each (the file is still used)."""

    @property
    def mute_query(self) -> str:
        """Every mute rule as one query (``(a) OR (b)``); empty when there are none."""
        return " OR ".join(f"({m.query})" for m in self.mutes)
