"""The main screen's unread flow: the unread-only and pinned views, next and previous
unread (wrapping, and reading past the loaded pages when the next unread is further
down), and a feed's stories (Enter on the feeds screen) as a filter the user sees."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from chipwatch.store import views
from chipwatch.tui import store_workers as sw
from chipwatch.tui.messages import TimelineLoaded

if TYPE_CHECKING:
    from chipwatch.tui.screens.main import MainScreen

UNREAD_BINDINGS = [
    Binding(
        "U",
        "toggle_unread_only",
        "Unread only",
        id="unread_only",
        tooltip="Show only unread stories, or every story again",
    ),
    Binding(
        "N",
        "next_unread",
        "Next unread",
        show=False,
        id="next_unread",
        tooltip="The next unread story below the cursor (wraps to the top)",
    ),
    Binding(
        "P",
        "prev_unread",
        "Previous unread",
        show=False,
        id="prev_unread",
        tooltip="The previous unread story above the cursor (wraps to the bottom)",
    ),
    Binding(
        "asterisk",
        "toggle_pinned_view",
        "Pinned",
        show=False,
        id="pinned_view",
        tooltip="Show only pinned stories, of any age, or every story again",
    ),
]

VIEW_WORDS = {"unread": "unread only", "pinned": "pinned, any age"}


class MainUnread:
    """Mixed into MainScreen; ``self`` is the screen."""

    # ------------------------------------------------------------------ views

    def action_toggle_unread_only(self: MainScreen) -> None:
        """All stories ⇄ unread stories only (the cursor stays on its story if shown)."""
        self._switch_view("unread")

    def action_toggle_pinned_view(self: MainScreen) -> None:
        """All stories ⇄ pinned stories only."""
        self._switch_view("pinned")

    def _switch_view(self: MainScreen, view: str) -> None:
        new = "all" if self.filters.view == view else view
        self.reload(replace(self.filters, view=new), select=self._selected_id())
        notes = {
            "unread": "Only unread stories · U shows every story.",
            "pinned": "Only pinned stories, of any age · * shows every story.",
            "all": "Every story shown.",
        }
        self.notify(notes[new], timeout=3)

    # ------------------------------------------------------------------ next / previous

    def action_next_unread(self: MainScreen) -> None:
        """The next unread story below the cursor; past the loaded rows the store is
        asked; with none below, the first unread from the top (said as such)."""
        rows, cursor = self.timeline.rows, self.timeline.cursor
        below = next((i for i in range(cursor + 1, len(rows)) if not rows[i].read), None)
        if below is not None:
            self._go_to_unread(below)
        elif self.timeline.has_more and rows:
            self.find_unread_below(self.store_filter, rows[-1].sort_key, self.generation)
        else:
            self._wrap_unread(from_top=True)

    def action_prev_unread(self: MainScreen) -> None:
        """The previous unread story above the cursor; with none above, the last
        loaded unread one (said as such)."""
        rows, cursor = self.timeline.rows, self.timeline.cursor
        above = next((i for i in range(cursor - 1, -1, -1) if not rows[i].read), None)
        if above is not None:
            self._go_to_unread(above)
        else:
            self._wrap_unread(from_top=False)

    def _go_to_unread(self: MainScreen, index: int, note: str = "") -> None:
        self.timeline.cursor = index
        self.timeline.focus()
        if note:
            self.notify(note, timeout=3)

    def _wrap_unread(self: MainScreen, *, from_top: bool) -> None:
        """Wrap around: the first unread from the top (or the last from the bottom),
        unless the only unread one is the story under the cursor, or there is none."""
        rows, cursor = self.timeline.rows, self.timeline.cursor
        order = range(len(rows)) if from_top else range(len(rows) - 1, -1, -1)
        found = next((i for i in order if not rows[i].read), None)
        if found is None or found == cursor:
            self.notify("No more unread stories.", timeout=3)
        else:
            where = "the top" if from_top else "the bottom"
            self._go_to_unread(found, f"No more unread this way: from {where}.")

    @work(thread=True, exclusive=True, group="more", exit_on_error=False)
    def find_unread_below(
        self: MainScreen, flt: views.TimelineFilter, before: tuple[str, int], generation: int
    ) -> None:
        """Read the rows down to the next unread story past the loaded ones (in a
        thread), then put the cursor there; none: wrap to the top."""

        def through(db) -> list[views.TimelineRow]:
            key = views.next_unread_key(db, flt, before)
            if key is None:
                return []
            just_newer = (key[0], key[1] - 1)  # `after` is strict: this keeps the row
            return views.timeline_page(db, flt, before=before, after=just_newer, limit=5000)

        rows = sw.read(self.app.db_path, through)
        self.app.call_from_thread(self._unread_rows_read, rows, generation)

    def _unread_rows_read(self: MainScreen, rows: list[views.TimelineRow], generation: int) -> None:
        if generation != self.generation:
            return
        if not rows:
            self._wrap_unread(from_top=True)
            return
        self.on_timeline_loaded(TimelineLoaded(rows, replace=False, generation=generation))
        self.timeline.has_more = True  # what lies below the unread one is not read yet
        self.timeline.select_story(rows[-1].id)
        self.load_detail(rows[-1].id)
        self.timeline.focus()

    @work(thread=True, exclusive=True, group="unread-count", exit_on_error=False)
    def count_unread(self: MainScreen, flt: views.TimelineFilter) -> None:
        """Re-count the unread stories the filter matches (after live rows came)."""
        unread = replace(flt, unread_only=True)
        count = sw.read(self.app.db_path, lambda db: views.timeline_count(db, unread))
        self.app.call_from_thread(setattr, self.status, "unread", count)

    # ------------------------------------------------------------------ a feed's stories

    def show_query(self: MainScreen, query: str, note: str) -> None:
        """Filter the timeline to ``query`` (the feeds screen's Enter): shown in the
        query box and the status bar, cleared with esc like any filter."""
        self.search_input.value = query
        self.search_input.display = True
        self.show_query_error("")
        self.reload(replace(self.filters, query=query, entity=None))
        self.timeline.focus()
        self.notify(note, timeout=4)
