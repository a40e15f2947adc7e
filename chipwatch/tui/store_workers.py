"""Store access for the monitor, as plain functions run inside thread workers.

Each call opens its own connection (a sqlite3 connection belongs to its thread) and
closes it; results are plain values the caller turns into messages. Reads use a plain
``sqlite3`` connection (``store.db.open_reader``: the same checks, no sqlite_utils to
import before the first paint); writes go through ``open_db`` and its transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from chipwatch.config import Config
from chipwatch.store import views
from chipwatch.store.db import open_reader
from chipwatch.timeutil import parse_window

if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database

T = TypeVar("T")


@contextmanager
def connection(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A reading connection for this thread only, closed afterwards."""
    conn = open_reader(db_path)
    try:
        yield conn
    finally:
        conn.close()


def read(db_path: Path, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run a read in a fresh connection."""
    with connection(db_path) as db:
        return fn(db)


def write(db_path: Path, fn: Callable[[Database], T]) -> T:
    """Run a write in one ``BEGIN IMMEDIATE`` transaction."""
    from chipwatch.store.db import open_db, write_transaction

    db = open_db(db_path)
    try:
        with write_transaction(db):
            return fn(db)
    finally:
        db.close()


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the timeline to."""

    window: str = "7d"
    entity: str | None = None
    query: str = ""
    view: str = "all"
    """Which stories: ``all``, ``unread`` (U) or ``pinned`` (*, of any age)."""

    def since(self, now: datetime) -> datetime | None:
        """The window's start (the pinned view has none: a pin is kept for later)."""
        return None if self.view == "pinned" else parse_window(self.window, now=now)

    def describe(self) -> str:
        """For the status bar: a query that means the same (``@"export controls"``)."""
        from chipwatch.query.entities import entity_term

        parts = [f"({self.query})" if self.entity and " " in self.query else self.query]
        if self.entity:
            parts.append(entity_term(self.entity))
        return " AND ".join(p for p in parts if p)


def build_filter(
    db: Database, filters: Filters, config: Config, now: datetime
) -> views.TimelineFilter:
    """The store filter for the user's filters; runs the query search if there is one."""
    from chipwatch.tui.search import search_story_ids

    since = filters.since(now)
    story_ids = None
    if filters.query:
        story_ids = search_story_ids(db, filters.query, config, since=since)
    since_iso = views.iso(since) if since else None
    return views.TimelineFilter(
        since=since_iso,
        entity=filters.entity,
        story_ids=story_ids,
        unread_only=filters.view == "unread",
        pinned_only=filters.view == "pinned",
        hidden=muted_ids(db, config, since=since),
    )


def muted_ids(db: Database, config: Config, *, since: datetime | None) -> frozenset[int]:
    """The stories the ``[[mute]]`` rules match in the window (hidden everywhere)."""
    if not config.mutes:
        return frozenset()
    from chipwatch.errors import UserError
    from chipwatch.tui.search import search_story_ids

    try:
        return search_story_ids(db, config.mute_query, config, since=since)
    except UserError as exc:  # an unknown @entity: the rules parsed when the config loaded
        raise UserError(f"[[mute]] rules in the config: {exc}") from exc


def muted_among(
    db: Database, config: Config, story_ids: frozenset[int], *, since: datetime | None
) -> frozenset[int]:
    """Which of ``story_ids`` (stories a poll brought or changed) a mute rule matches."""
    if not config.mutes or not story_ids:
        return frozenset()
    from chipwatch.tui.search import stories_matching

    return stories_matching(db, config.mute_query, config, story_ids, since=since)


def first_page(db: Database, flt: views.TimelineFilter) -> tuple[list[views.TimelineRow], int]:
    """The newest page and the total count."""
    return views.timeline_page(db, flt), views.timeline_count(db, flt)


def changes_since(
    db: Database, flt: views.TimelineFilter, top: tuple[str, int] | None, story_ids: set[int]
) -> list[views.TimelineRow]:
    """Stories newer than the top row plus the given (changed) ones, within the filter."""
    rows = views.timeline_page(db, flt, after=top, limit=500) if top else []
    if story_ids:
        ids = set(story_ids)
        if flt.story_ids is not None:
            ids &= flt.story_ids
        touched = replace(flt, story_ids=frozenset(ids))
        rows += views.timeline_page(db, touched, limit=len(ids) or 1)
    return rows


def recheck_query(
    db: Database,
    flt: views.TimelineFilter,
    filters: Filters,
    config: Config,
    now: datetime,
    *,
    top: tuple[str, int] | None,
    story_ids: set[int],
) -> frozenset[int]:
    """Stories a poll brought or changed that the active query now matches and the
    filter did not hold yet (a query's story ids are fixed when it is applied)."""
    if not filters.query or flt.story_ids is None:
        return frozenset()
    open_flt = replace(flt, story_ids=None)
    candidates = set(story_ids)
    if top is not None:
        candidates |= views.story_ids_after(db, open_flt, top)
    candidates -= flt.story_ids
    if not candidates:
        return frozenset()
    from chipwatch.tui.search import stories_matching

    return stories_matching(
        db, filters.query, config, frozenset(candidates), since=filters.since(now)
    )


def story_changed(shown: views.StoryView, row: views.TimelineRow) -> bool:
    """Whether a re-read timeline row says the story in the detail pane changed."""
    if row.id != shown.id:
        return False
    before = (shown.last_updated, len(shown.articles), shown.pinned, shown.read, bool(shown.alerts))
    return before != (row.last_updated, row.article_count, row.pinned, row.read, row.alerted)


def dashboard(db: Database, since: str | None, now: datetime) -> dict[str, Any]:
    """Entities, alerts and feed health in one read."""
    return {
        "entities": views.entity_counts(db, since=since, now=now),
        "alerts": views.list_alert_rows(db),
        "health": views.poll_summary(db),
    }


class ReportsWorkerErrors:
    """Mixed into screens: a failed store read or write becomes one notification
    (``exit_on_error=False`` keeps the monitor running)."""

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                str(error) or type(error).__name__,
                title="Store",  # type: ignore[attr-defined]
                severity="error",
                timeout=10,
            )
