"""The main screen: timeline, detail, entities, alerts and the status bar.

The screen routes: widgets post messages up, the screen starts thread workers that read
the store, and the workers' results come back as messages that update the widgets."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from chipwatch.query.match import watched_terms
from chipwatch.store import views
from chipwatch.textsafe import clean_title
from chipwatch.timeutil import from_iso, full_when
from chipwatch.tui import store_workers as sw
from chipwatch.tui.empty_state import empty_state
from chipwatch.tui.links import LinkActions
from chipwatch.tui.messages import (
    AlertChosen,
    AlertStateWanted,
    DashboardLoaded,
    DetailLoaded,
    EntityChosen,
    MoreRowsWanted,
    PollBatch,
    ReaderWanted,
    StatusLoaded,
    StoryChosen,
    StoryHighlighted,
    TimelineLoaded,
    TimelineUpdated,
)
from chipwatch.tui.screens.first_paint import FirstPaint
from chipwatch.tui.screens.main_actions import MainActions
from chipwatch.tui.screens.main_bindings import MAIN_BINDINGS
from chipwatch.tui.screens.main_filter import SEARCH_PLACEHOLDER, MainFilter
from chipwatch.tui.screens.main_loads import MainLoads
from chipwatch.tui.screens.main_unread import MainUnread
from chipwatch.tui.widgets.alerts import AlertsPane
from chipwatch.tui.widgets.detail import DetailPane
from chipwatch.tui.widgets.entities import EntitiesPane
from chipwatch.tui.widgets.footer import CalmFooter
from chipwatch.tui.widgets.status import StatusBar
from chipwatch.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

SYNC_SECONDS = 5.0
DASHBOARD_SECONDS = 2.0  # during a flood of poll batches, side panes refresh this often


class MainScreen(
    MainActions, LinkActions, MainFilter, MainLoads, MainUnread, sw.ReportsWorkerErrors, Screen
):
    """What the user sees all day."""

    app: ChipwatchApp

    # focused from the start: the default (the first focusable widget) is the hidden
    # search box, whose focus and then the timeline's rebuilt the key footer twice
    AUTO_FOCUS = "#timeline"

    BINDINGS = MAIN_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        clock = self._now
        self.timeline = Timeline(clock=clock, id="timeline")
        self.detail = DetailPane(clock=clock, id="detail")
        self.entities = EntitiesPane(id="entities")
        self.alerts = AlertsPane(clock=clock, id="alerts")
        self.status = StatusBar(clock=clock, id="status")
        self.search_input = Input(placeholder=SEARCH_PLACEHOLDER, id="search")
        self.search_input.display = False
        self.filters = sw.Filters()
        """The filters the timeline shows (the status bar's)."""
        self.wanted = self.filters
        """The filters last asked for (loading, or shown once valid)."""
        self.store_filter = views.TimelineFilter()
        self.generation = 0
        self._select_after_load: int | None = None
        self._to_list_when_applied = False
        self._filter_timer: Timer | None = None
        self.merge_from: int | None = None
        self._syncing = False
        self._sync_wanted: set[int] | None = None  # ids waiting for the running sync
        self._dashboard_timer: Timer | None = None
        self._dashboard_wanted = False
        self.first_paint: FirstPaint | None = None

    def _now(self):
        return self.app.clock()

    def compose(self) -> ComposeResult:
        for pane in (self.timeline, self.detail, self.entities, self.alerts):
            pane.add_class("pane")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield self.search_input
                yield Static("", id="search-error")
                yield self.timeline
                yield self.detail
            with Vertical(id="right"):
                yield self.entities
                yield self.alerts
        yield self.status
        yield CalmFooter()

    def on_mount(self) -> None:
        self.timeline.border_title = "Timeline"
        self.entities.border_title = "Entities"
        self.alerts.border_title = "Alerts"
        self.search_input.display = False
        self.filters = self.wanted = sw.Filters(window=self.app.config.ui.window)
        self.detail.watched = watched_terms(w.query for w in self.app.config.watches)
        self.watch(self.timeline, "new_count", self._new_count_changed)
        self.first_paint = FirstPaint(self.app)
        self.reload()
        # beside the first page, not after it: their SQL runs without the interpreter
        # lock, and the first paint shows them in the same layout pass (first_paint.py)
        self.load_dashboard()
        self.set_interval(SYNC_SECONDS, lambda: self.sync(None))
        self.timeline.focus()

    # ------------------------------------------------------------------ loading

    def reload(self, filters: sw.Filters | None = None, *, select: int | None = None) -> None:
        """Load a fresh first page for ``filters`` (default: the current ones). They
        become the current filters once the page is in (a query that does not parse
        never does); ``select`` keeps the cursor on that story if it is on the page."""
        self.generation += 1
        self.wanted = filters or self.filters
        self._select_after_load = select
        self.load_first_page(self.wanted, self.generation)

    def _filters_applied(self, filters: sw.Filters, store_filter: views.TimelineFilter) -> None:
        self.filters = filters
        self.store_filter = store_filter
        self.status.window = filters.window
        self.status.view = filters.view
        self.status.filter_text = filters.describe()
        self.entities.set_active(filters.entity)
        self.filter_applied()

    def action_toggle_side_panes(self) -> None:
        """Show or hide the entities and alerts panes (below 120 columns they start
        folded; shown there, they stack under the story)."""
        right = self.query_one("#right")
        shown = bool(right.display)
        self.set_class(shown, "-side-hidden")
        self.set_class(not shown, "-side-shown")
        if shown:
            if self.focused is not None and right in self.focused.ancestors:
                self.timeline.focus()
            self.notify("Entities and alerts hidden · b shows them.", timeout=3)
        else:
            self.call_after_refresh(self.entities.focus)
            self.notify("Entities and alerts shown · b hides them.", timeout=3)

    def sync(self, story_ids: set[int] | None = None) -> None:
        """Pick up what a poll (ours or another process's) wrote.

        The periodic check reads only new rows and feed health (cheap); entities and
        alerts are re-read when a poll reported changes or new rows turned up.

        One read runs at a time: batches that arrive meanwhile are merged into the
        next one, so a flood of poll batches costs a few reads and repaints."""
        if self._syncing:
            self._sync_wanted = (self._sync_wanted or set()) | set(story_ids or ())
        else:
            self._syncing = True
            self.sync_rows(set(story_ids or ()), self.generation)
        if story_ids is None:
            self.load_health()
        else:
            self.dashboard_soon()

    def dashboard_soon(self) -> None:
        """Re-read the side panes now, or once the last read is ``DASHBOARD_SECONDS``
        old: a poll's batches would otherwise re-read and redraw them every 0.3 s."""
        if self._dashboard_timer is not None:
            self._dashboard_wanted = True
            return
        self._dashboard_wanted = False
        self.first_paint: FirstPaint | None = None
        self.load_dashboard()
        self._dashboard_timer = self.set_timer(DASHBOARD_SECONDS, self._dashboard_due)

    def _dashboard_due(self) -> None:
        self._dashboard_timer = None
        if self._dashboard_wanted:
            self.dashboard_soon()

    # ------------------------------------------------------------------ results

    def on_timeline_loaded(self, message: TimelineLoaded) -> None:
        if message.generation != self.generation:
            return
        has_more = len(message.rows) >= views.PAGE_SIZE
        if message.replace:
            self._gate().apply("timeline", lambda: self._show_first_page(message, has_more))
        else:
            self.timeline.append_rows(message.rows, has_more=has_more)

    def _show_first_page(self, message: TimelineLoaded, has_more: bool) -> None:
        gate = self._gate()
        starting = not gate.done  # the side panes are already loading
        if message.filters is not None and message.store_filter is not None:
            self._filters_applied(message.filters, message.store_filter)
        select, self._select_after_load = self._select_after_load, None
        self.timeline.set_rows(message.rows, has_more=has_more, select=select)
        self.status.stories = message.total
        self.status.unread = message.unread
        if not message.rows:
            self.detail.empty = self.empty_text()
            self.detail.show(None)
            gate.skip("detail")
        if not starting:
            self.call_after_refresh(self.load_dashboard)
        self.call_after_refresh(self.app.freeze_heap)

    def _gate(self) -> FirstPaint:
        if self.first_paint is None:  # not mounted yet: nothing to hold
            self.first_paint = FirstPaint(self.app)
            self.first_paint.done = True
        return self.first_paint

    def on_timeline_updated(self, message: TimelineUpdated) -> None:
        self._syncing = False
        if self._sync_wanted is not None:
            wanted, self._sync_wanted = self._sync_wanted, None
            self._syncing = True
            self.sync_rows(wanted, self.generation)
        if message.generation != self.generation:
            return
        if message.matched and self.store_filter.story_ids is not None:
            ids = self.store_filter.story_ids | message.matched
            self.store_filter = replace(self.store_filter, story_ids=ids)
        if message.muted:
            hidden = self.store_filter.hidden | message.muted
            self.store_filter = replace(self.store_filter, hidden=hidden)
            removed = self.timeline.remove_rows(message.muted)
            if removed and self.status.stories is not None:
                self.status.stories -= removed
        if message.rows:
            added = self.timeline.upsert_rows(message.rows)
            if added and self.status.stories is not None:
                self.status.stories += added
            current = self.detail.story
            if current and any(sw.story_changed(current, r) for r in message.rows):
                self.load_detail(current.id)
            self.dashboard_soon()
            self.count_unread(self.store_filter)

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        gate = self._gate()
        spread = gate.done  # live: the alerts repaint in the next frame, not this one
        gate.apply("dashboard", lambda: self._show_dashboard(message, spread=spread))

    def _show_dashboard(self, message: DashboardLoaded, *, spread: bool) -> None:
        self.entities.show(message.entities)
        self.status.health = message.health
        self.refresh_empty()
        if spread:
            self.call_after_refresh(self.alerts.show, message.alerts)
        else:
            self.alerts.show(message.alerts)

    def on_status_loaded(self, message: StatusLoaded) -> None:
        self.status.health = message.summary
        self.refresh_empty()

    def empty_text(self) -> Text:
        """The story pane's guide while the timeline is empty (tui/empty_state.py)."""
        app = self.app
        return empty_state(
            app.config,
            app.config_path,
            health=self.status.health,
            refresh=app.refresh_meaning(),
            window=self.filters.window,
            filtered=self.filters.describe() if self.filters.query or self.filters.entity else "",
            view=self.filters.view,
        )

    def refresh_empty(self) -> None:
        """Redraw the guide when what it says changed (the network, the poller)."""
        if not self.is_mounted or self.timeline.rows or self.detail.story is not None:
            return
        text = self.empty_text()
        if self.detail.empty is None or text.plain != self.detail.empty.plain:
            self.detail.empty = text
            self.detail.show(None)

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self._gate().apply("detail", lambda: self._show_detail(message))

    def _show_detail(self, message: DetailLoaded) -> None:
        keep = (
            self.detail.story is not None
            and message.story is not None
            and (self.detail.story.id == message.story.id)
        )
        self.detail.show(message.story, keep_article=keep, drawing=message.drawing)

    def on_worker_state_changed(self, event) -> None:
        """A failed read must not hold the first paint (the mixin reports the error)."""
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and self.first_paint is not None:
            self.first_paint.release()

    def on_poll_batch(self, message: PollBatch) -> None:
        self.sync(message.story_ids)

    # ------------------------------------------------------------------ from widgets

    def on_story_highlighted(self, message: StoryHighlighted) -> None:
        self.load_detail(message.story_id)

    def on_story_chosen(self, message: StoryChosen) -> None:
        self.load_detail(message.story_id)
        self.set_read([message.story_id], True)
        self.detail.focus()

    def on_reader_wanted(self, message: ReaderWanted) -> None:
        self.action_read_article()

    def action_read_article(self) -> None:
        """The reader for the story pane's selected article; back on Esc, with the
        article read last selected. The story counts as read."""
        from chipwatch.tui.screens.reader import ReaderScreen

        story = self.detail.story
        if story is None or not story.articles:
            self.notify("No article selected.", severity="warning")
            return
        reader = ReaderScreen(story, self.detail.article_index, self.detail.watched)
        self.app.push_screen(reader, callback=self._reader_closed)
        if not story.read:
            self.set_read([story.id], True)

    def _reader_closed(self, index: int | None) -> None:
        if index is not None and self.detail.story is not None:
            self.detail.move_article(index - self.detail.article_index)

    def on_more_rows_wanted(self, message: MoreRowsWanted) -> None:
        self.load_more(message.before, self.generation)

    def on_entity_chosen(self, message: EntityChosen) -> None:
        self.reload(replace(self.filters, entity=message.name))

    def on_alert_chosen(self, message: AlertChosen) -> None:
        """Show the alert's story (and put the timeline's cursor on it when it is
        loaded); an alert about a feed has no story: its text and time are told."""
        alert = message.alert
        if alert.story_id is not None:
            self.timeline.select_story(alert.story_id)
            self.load_detail(alert.story_id)
        else:
            raised = full_when(from_iso(alert.created_at))
            self.notify(f"{clean_title(alert.title)} · raised {raised}", timeout=8)
        if alert.state == "new":
            self.change_alert(alert.id, "seen")

    def on_alert_state_wanted(self, message: AlertStateWanted) -> None:
        self.change_alert(message.alert_id, message.state)

    def _new_count_changed(self, count: int) -> None:
        self.status.new_count = count
        self.timeline.border_subtitle = f"+{count} new · n to jump" if count else ""
