"""The main screen's actions (bindings and command-palette entries)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from chipwatch.errors import UserError
from chipwatch.store import views
from chipwatch.textsafe import safe_url
from chipwatch.timeutil import WINDOWS
from chipwatch.tui import store_workers as sw

if TYPE_CHECKING:
    from chipwatch.tui.screens.main import MainScreen


class MainActions:
    """Mixed into MainScreen; ``self`` is the screen."""

    # ------------------------------------------------------------------ filters

    def action_search(self: MainScreen) -> None:
        """Show the query input, pre-filled with the current query."""
        self.search_input.display = True
        self.search_input.value = self.filters.query
        self.search_input.focus()

    def action_clear_filters(self: MainScreen) -> None:
        """Clear the query and entity filters (or just close an open search box)."""
        if self.search_input.has_focus and not self.filters.query:
            self.search_input.display = False
            self.timeline.focus()
            return
        if not self.filters.query and not self.filters.entity:
            self.timeline.focus()  # esc from another pane goes back to the timeline
            return
        self.filters = sw.Filters(window=self.filters.window)
        self.search_input.value = ""
        self.search_input.display = False
        self.search_input.remove_class("error")
        self.reload()
        self.timeline.focus()

    def action_cycle_window(self: MainScreen) -> None:
        """24h → 7d → 30d → all → 24h."""
        current = self.filters.window
        index = WINDOWS.index(current) if current in WINDOWS else 0
        window = WINDOWS[(index + 1) % len(WINDOWS)]
        self.filters = sw.Filters(window, self.filters.entity, self.filters.query)
        self.reload()

    def action_newest(self: MainScreen) -> None:
        """Jump to the newest story; the new counter resets."""
        self.timeline.action_first()
        self.timeline.focus()

    # ------------------------------------------------------------------ the article

    def _selected_url(self: MainScreen) -> str:
        article = self.detail.article
        if article is None:
            self.notify("No article selected.", severity="warning")
            return ""
        url = safe_url(article.url)
        if not url:
            self.notify("This article has no web link.", severity="warning")
        return url

    def action_open_link(self: MainScreen) -> None:
        """Open the selected article in the browser (in a thread: browsers can block)."""
        url = self._selected_url()
        if url:
            self.open_in_browser(url)

    @work(thread=True, exit_on_error=False, group="browser")
    def open_in_browser(self: MainScreen, url: str) -> None:
        """Call the app's opener (webbrowser.open unless a test replaced it)."""
        opened = self.app.open_url(url)
        note = "Opened in the browser." if opened else "No browser could be started."
        self.app.call_from_thread(self.notify, note, timeout=3)

    def action_copy_link(self: MainScreen) -> None:
        """Copy the selected article's link (OSC 52)."""
        url = self._selected_url()
        if url:
            self.app.copy_to_clipboard(url)
            self.notify("Link copied.", timeout=3)

    def action_next_article(self: MainScreen) -> None:
        self.detail.move_article(1)

    def action_prev_article(self: MainScreen) -> None:
        self.detail.move_article(-1)

    # ------------------------------------------------------------------ reader state

    def action_toggle_read(self: MainScreen) -> None:
        """Flip the selected story between read and unread."""
        row = self.timeline.selected
        if row is not None:
            self.set_read([row.id], not row.read)

    def action_all_read(self: MainScreen) -> None:
        """Mark every story the window and filters match read."""
        self.mark_all_read(self.store_filter)

    def action_pin(self: MainScreen) -> None:
        row = self.timeline.selected
        if row is not None:
            self.toggle_pin(row.id)

    @work(thread=True, exit_on_error=False, group="write")
    def set_read(self: MainScreen, story_ids: list[int], read: bool) -> None:
        """Write read state, then refresh those rows."""
        sw.write(self.app.db_path, lambda db: views.set_story_read(db, story_ids, read))
        self._refresh_rows(story_ids)

    @work(thread=True, exit_on_error=False, group="write")
    def mark_all_read(self: MainScreen, flt: views.TimelineFilter) -> None:
        count = sw.write(self.app.db_path, lambda db: views.mark_all_read(db, flt))
        self.app.call_from_thread(self.notify, f"Marked {count} stories read.", timeout=3)
        self.app.call_from_thread(self.reload)

    @work(thread=True, exit_on_error=False, group="write")
    def toggle_pin(self: MainScreen, story_id: int) -> None:
        sw.write(self.app.db_path, lambda db: views.toggle_pinned(db, story_id))
        self._refresh_rows([story_id])

    def _refresh_rows(self: MainScreen, story_ids: list[int]) -> None:
        rows = sw.read(self.app.db_path, lambda db: views.timeline_rows(db, story_ids))
        self.app.call_from_thread(self._replace_rows, rows)

    def _replace_rows(self: MainScreen, rows: list[views.TimelineRow]) -> None:
        for row in rows:
            self.timeline.replace_row(row)
        if self.detail.story and any(r.id == self.detail.story.id for r in rows):
            self.load_detail(self.detail.story.id)

    @work(thread=True, exit_on_error=False, group="write")
    def change_alert(self: MainScreen, alert_id: int, state: str) -> None:
        sw.write(self.app.db_path, lambda db: views.set_alert_state(db, alert_id, state))
        self.app.call_from_thread(self.load_dashboard)

    # ------------------------------------------------------------------ corrections

    def action_split(self: MainScreen) -> None:
        """Move the selected article of the shown story into a story of its own."""
        story, article = self.detail.story, self.detail.article
        if story is None or article is None:
            return
        if len(story.articles) < 2:
            self.notify("A story with one article cannot be split.", severity="warning")
            return
        self.correct("split", article.id, story.id)

    def action_merge(self: MainScreen) -> None:
        """First press marks the story; a second press on another merges them."""
        row = self.timeline.selected
        if row is None:
            return
        if self.merge_from is None or self.merge_from == row.id:
            self.merge_from = None if self.merge_from == row.id else row.id
            note = (
                "Marked for merge: select another story and press M."
                if self.merge_from
                else "Merge cancelled."
            )
            self.notify(note, timeout=4)
            return
        source, self.merge_from = self.merge_from, None
        self.correct("merge", source, row.id)

    @work(thread=True, exit_on_error=False, group="write")
    def correct(self: MainScreen, kind: str, subject: int, target: int) -> None:
        """Split (article, story) or merge (story, into story) through store.stories."""
        from chipwatch.store import stories

        now = self.app.clock()
        languages = self.app.config.ui.languages

        def apply(db: Any) -> Any:
            if kind == "split":
                from chipwatch.clustering.reexplain import refresh_explanations

                left = db.execute("SELECT story_id FROM articles WHERE id = ?", [subject])
                old = (left.fetchone() or [None])[0]
                result = stories.split_article(db, subject, now=now, languages=languages)
                if old is not None:  # who joined through the article says so no more
                    refresh_explanations(db, old, self.app.config.cluster)
                return result
            return stories.merge_stories(db, subject, target, now=now, languages=languages)

        try:
            sw.write(self.app.db_path, apply)
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=6)
            return
        done = "Article split into its own story." if kind == "split" else "Stories merged."
        self.app.call_from_thread(self.notify, done, timeout=4)
        self.app.call_from_thread(self.reload)
