"""The main screen's store reads: each runs in a thread worker with its own connection
and answers with a message (handled in ``main.py``)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work

from chipwatch.errors import UserError
from chipwatch.store import views
from chipwatch.tui import store_workers as sw
from chipwatch.tui.messages import (
    DashboardLoaded,
    DetailLoaded,
    StatusLoaded,
    TimelineLoaded,
    TimelineUpdated,
)
from chipwatch.tui.widgets.story_drawing import draw_story

if TYPE_CHECKING:
    from chipwatch.tui.screens.main import MainScreen


class MainLoads:
    """Mixed into MainScreen; ``self`` is the screen."""

    @work(thread=True, exclusive=True, group="timeline", exit_on_error=False)
    def load_first_page(self: MainScreen, filters: sw.Filters, generation: int) -> None:
        """Read the newest page for the filters (in a thread)."""
        now = self._now()
        try:
            with sw.connection(self.app.db_path) as db:
                flt = sw.build_filter(db, filters, self.app.config, now)
                rows, total = sw.first_page(db, flt)
                unread = views.timeline_count(db, replace(flt, unread_only=True))
        except UserError as exc:
            self.app.call_from_thread(self.query_failed, str(exc), generation)
            return
        except Exception:
            self.app.call_from_thread(self.load_dashboard)
            raise
        self.post_message(
            TimelineLoaded(
                rows,
                replace=True,
                total=total,
                unread=unread,
                generation=generation,
                filters=filters,
                store_filter=flt,
            )
        )

    @work(thread=True, exclusive=True, group="more", exit_on_error=False)
    def load_more(self: MainScreen, before: tuple[str, int], generation: int) -> None:
        """Read the next older page (in a thread)."""
        rows = sw.read(
            self.app.db_path, lambda db: views.timeline_page(db, self.store_filter, before=before)
        )
        self.post_message(TimelineLoaded(rows, replace=False, generation=generation))

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def load_dashboard(self: MainScreen) -> None:
        """Entities, alerts and feed health (in a thread)."""
        now = self._now()
        since = self.filters.since(now)
        data = sw.read(
            self.app.db_path, lambda db: sw.dashboard(db, views.iso(since) if since else None, now)
        )
        self.post_message(DashboardLoaded(data["entities"], data["alerts"], data["health"]))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self: MainScreen, story_id: int) -> None:
        """One story with its articles, drawn as lines at the pane's width (in a thread)."""
        story = sw.read(self.app.db_path, lambda db: views.story_view(db, story_id))
        shown = self.detail.story
        keep = shown is not None and story is not None and shown.id == story.id
        drawing = draw_story(
            story,
            width=self.detail.line_width,
            article_index=self.detail.article_index if keep else 0,
            watched=self.detail.watched,
            now=self._now(),
            monochrome=self.app.no_color,
        )
        self.post_message(DetailLoaded(story, drawing))

    @work(thread=True, exclusive=False, group="sync", exit_on_error=False)
    def sync_rows(self: MainScreen, story_ids: set[int], generation: int) -> None:
        """New and changed stories since the top row (in a thread)."""
        top = self.timeline.rows[0].sort_key if self.timeline.rows else ("", 0)
        flt, filters, config, now = self.store_filter, self.filters, self.app.config, self._now()

        def changes(db) -> tuple[list[views.TimelineRow], frozenset[int], frozenset[int]]:
            matched = sw.recheck_query(db, flt, filters, config, now, top=top, story_ids=story_ids)
            wider = flt
            if matched and flt.story_ids is not None:
                wider = replace(flt, story_ids=flt.story_ids | matched)
            rows = sw.changes_since(db, wider, top, story_ids | matched)
            # a story a poll brought or changed may now match a mute rule: it goes
            seen = frozenset(r.id for r in rows) | frozenset(story_ids)
            muted = sw.muted_among(db, config, seen, since=filters.since(now))
            return [r for r in rows if r.id not in muted], matched, muted

        rows: list[views.TimelineRow] = []
        matched: frozenset[int] = frozenset()
        muted: frozenset[int] = frozenset()
        try:
            rows, matched, muted = sw.read(self.app.db_path, changes)
        finally:  # always answer, so the next sync is never held back by a failed one
            self.post_message(
                TimelineUpdated(rows, generation=generation, matched=matched, muted=muted)
            )

    @work(thread=True, exclusive=True, group="health", exit_on_error=False)
    def load_health(self: MainScreen) -> None:
        """Feed health for the status bar (in a thread)."""
        self.post_message(StatusLoaded(sw.read(self.app.db_path, views.poll_summary)))
