"""Messages shared between the monitor's widgets, screens and workers.

Attributes go down, messages come up: a widget posts one of these and the screen that
owns it decides what to load or show. Worker results come back as messages too, so
widgets are only ever updated on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from chipwatch.store.views import (
    AlertRow,
    EntityCount,
    FeedHealth,
    StoryView,
    TimelineFilter,
    TimelineRow,
)


@dataclass
class StoryHighlighted(Message):
    """The timeline cursor moved onto a story."""

    story_id: int


@dataclass
class StoryChosen(Message):
    """The user asked to open a story (enter on the timeline or an alert)."""

    story_id: int


@dataclass
class MoreRowsWanted(Message):
    """The timeline's cursor or scroll neared the end of the loaded rows."""

    before: tuple[str, int]


@dataclass
class EntityChosen(Message):
    """An entity was selected in the entities pane (``None`` clears the filter)."""

    name: str | None


@dataclass
class AlertChosen(Message):
    """An alert was selected: open its story."""

    alert: AlertRow


@dataclass
class TimelineLoaded(Message):
    """A worker loaded a timeline page (``replace``: a fresh first page)."""

    rows: list[TimelineRow]
    replace: bool
    total: int | None = None
    unread: int | None = None
    """A first page: how many of the ``total`` stories are unread."""
    generation: int = 0
    filters: Any = None
    """A first page: the user's filters it was read for (``store_workers.Filters``)."""
    store_filter: TimelineFilter | None = None
    """A first page: those filters as the store reads them."""


@dataclass
class TimelineUpdated(Message):
    """A worker found new or changed stories (after a poll or a write). ``matched``:
    stories the active query newly matches, to add to the filter; ``muted``: stories a
    mute rule now matches, to take out of the timeline."""

    rows: list[TimelineRow]
    generation: int = 0
    matched: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()


@dataclass
class DashboardLoaded(Message):
    """The side panes' data, read together: entities, alerts and feed health."""

    entities: list[EntityCount]
    alerts: list[AlertRow]
    health: dict[str, Any]


@dataclass
class DetailLoaded(Message):
    """A story read for the detail pane, with its lines drawn in the worker."""

    story: StoryView | None
    drawing: Any = None


@dataclass
class StatusLoaded(Message):
    """Feed health figures for the status bar."""

    summary: dict[str, Any]


@dataclass
class FeedsLoaded(Message):
    feeds: list[FeedHealth]
    unread: dict[int, int] = field(default_factory=dict)
    """``{feed id: unread stories}`` in the monitor's window, muted ones left out."""


class PollBatch(Message):
    """JSON lines from the poller child, coalesced: what changed since the last batch."""

    def __init__(self, story_ids: set[int], *, alerts: int, feeds: int, errors: list[str]) -> None:
        super().__init__()
        self.story_ids = story_ids
        self.alerts = alerts
        self.feeds = feeds
        self.errors = errors


class PollerState(Message):
    """The poller child started, ended or was not started (and why)."""

    def __init__(self, state: str, detail: str = "") -> None:
        super().__init__()
        self.state = state
        self.detail = detail


class ReaderWanted(Message):
    """The user asked to read the selected article's full text (Enter on the story pane)."""


@dataclass
class AlertStateWanted(Message):
    """The user marked an alert seen or dismissed it."""

    alert_id: int
    state: str
