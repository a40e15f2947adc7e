"""The main screen's actions (bindings and command-palette entries)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import work

from chipwatch.errors import UserError
from chipwatch.store import views
from chipwatch.store.clustering import story_of
from chipwatch.textsafe import safe_url
from chipwatch.timeutil import WINDOWS
from chipwatch.tui import store_workers as sw
from chipwatch.words import plural

if TYPE_CHECKING:
    from chipwatch.tui.screens.main import MainScreen


class MainActions:
    """Mixed into MainScreen; ``self`` is the screen."""

    # ------------------------------------------------------------------ filters

    def action_cycle_window(self: MainScreen) -> None:
        """24h → 7d → 30d → all → 24h."""
        current = self.filters.window
        index = WINDOWS.index(current) if current in WINDOWS else 0
        window = WINDOWS[(index + 1) % len(WINDOWS)]
        self.reload(replace(self.filters, window=window), select=self._selected_id())

    def _selected_id(self: MainScreen) -> int | None:
        row = self.timeline.selected
        return row.id if row is not None else None

    def _no_story(self: MainScreen) -> None:
        self.notify("No story selected.", severity="warning", timeout=3)

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

    def action_copy_link(self: MainScreen) -> None:
        """Copy the selected article's link: with a clipboard program when one is there
        (then we know it worked), else by OSC 52, which some terminals ignore."""
        url = self._selected_url()
        if url:
            self.copy_link(url)

    def action_next_article(self: MainScreen) -> None:
        self.detail.move_article(1)

    def action_prev_article(self: MainScreen) -> None:
        self.detail.move_article(-1)

    # ------------------------------------------------------------------ reader state

    def action_toggle_read(self: MainScreen) -> None:
        """Flip the selected story between read and unread."""
        row = self.timeline.selected
        if row is None:
            self._no_story()
        else:
            self.set_read([row.id], not row.read, say=True)

    def action_all_read(self: MainScreen) -> None:
        """Mark every story the window and filters match read (the cursor stays)."""
        self.mark_all_read(self.store_filter, [r.id for r in self.timeline.rows])

    def action_pin(self: MainScreen) -> None:
        row = self.timeline.selected
        if row is None:
            self._no_story()
        else:
            self.toggle_pin(row.id)

    @work(thread=True, exit_on_error=False, group="write")
    def set_read(self: MainScreen, story_ids: list[int], read: bool, say: bool = False) -> None:
        """Write read state, then refresh those rows in place."""
        sw.write(self.app.db_path, lambda db: views.set_story_read(db, story_ids, read))
        self._refresh_rows(story_ids)
        if say:
            note = "Marked read." if read else "Marked unread."
            self.app.call_from_thread(self.notify, note, timeout=2)

    @work(thread=True, exit_on_error=False, group="write")
    def mark_all_read(self: MainScreen, flt: views.TimelineFilter, loaded: list[int]) -> None:
        """Mark them read, then refresh the loaded rows in place (no reload: the cursor
        and the story shown stay where they were)."""
        count = sw.write(self.app.db_path, lambda db: views.mark_all_read(db, flt))
        self._refresh_rows(loaded)
        note = f"Marked {plural(count, 'story', 'stories')} read."
        self.app.call_from_thread(self.notify, note, timeout=3)

    @work(thread=True, exit_on_error=False, group="write")
    def toggle_pin(self: MainScreen, story_id: int) -> None:
        pinned = sw.write(self.app.db_path, lambda db: views.toggle_pinned(db, story_id))
        self._refresh_rows([story_id])
        self.app.call_from_thread(self.notify, "Pinned." if pinned else "Unpinned.", timeout=2)

    def _refresh_rows(self: MainScreen, story_ids: list[int]) -> None:
        """Re-read rows the user changed, and the status bar's unread count."""
        unread = replace(self.store_filter, unread_only=True)

        def both(db: Any) -> tuple[list[views.TimelineRow], int]:
            return views.timeline_rows(db, story_ids), views.timeline_count(db, unread)

        rows, count = sw.read(self.app.db_path, both)
        self.app.call_from_thread(self._replace_rows, rows, count)

    def _replace_rows(
        self: MainScreen, rows: list[views.TimelineRow], unread: int | None = None
    ) -> None:
        if unread is not None:
            self.status.unread = unread
        for row in rows:
            self.timeline.replace_row(row)
        if self.detail.story and any(r.id == self.detail.story.id for r in rows):
            self.load_detail(self.detail.story.id)

    @work(thread=True, exit_on_error=False, group="write")
    def change_alert(self: MainScreen, alert_id: int, state: str) -> None:
        sw.write(self.app.db_path, lambda db: views.set_alert_state(db, alert_id, state))
        self.app.call_from_thread(self.load_dashboard)
        note = "Alert dismissed." if state == "dismissed" else "Alert marked seen."
        self.app.call_from_thread(self.notify, note, timeout=2)

    # ------------------------------------------------------------------ corrections

    def action_split(self: MainScreen) -> None:
        """Move the selected article of the shown story into a story of its own."""
        story, article = self.detail.story, self.detail.article
        if story is None or article is None:
            self._no_story()
            return
        if len(story.articles) < 2:
            self.notify("A story with one article cannot be split.", severity="warning")
            return
        self.correct("split", article.id, story.id)

    def action_merge(self: MainScreen) -> None:
        """First press marks the story; a second press on another merges them."""
        row = self.timeline.selected
        if row is None:
            self._no_story()
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

                old = story_of(db, subject)
                result = stories.split_article(db, subject, now=now, languages=languages)
                if old is not None:  # who joined through the article says so no more
                    refresh_explanations(db, old, self.app.config.cluster)
                raised.extend(_split_alerts(db, self.app.config, [result, old], now))
                return result
            return stories.merge_stories(db, subject, target, now=now, languages=languages)

        raised: list[Any] = []

        try:
            made = sw.write(self.app.db_path, apply)
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=6)
            return
        if kind == "split":
            done = "Article split into a story of its own; the story it left is selected."
            if raised:
                names = ", ".join(dict.fromkeys(e.watch for e in raised))
                done += f" Raised {plural(len(raised), 'alert')}: {names}."
                self.app.call_from_thread(self.load_dashboard)
            changed, gone = [target, int(made)], []
        else:
            done = "Stories merged; the merged story is selected."
            changed, gone = [target], [subject]
        flt = self.store_filter
        rows = sw.read(self.app.db_path, lambda db: sw.changes_since(db, flt, None, set(changed)))
        self.app.call_from_thread(self._corrected, rows, gone, target)
        self.app.call_from_thread(self.notify, done, timeout=4)

    def _corrected(
        self: MainScreen, rows: list[views.TimelineRow], gone: list[int], keep: int
    ) -> None:
        """Show a split or merge in place: the cursor stays on the story it changed."""
        removed = self.timeline.remove_rows(gone)
        added = self.timeline.upsert_rows(rows, arrived=False)
        if self.status.stories is not None:
            self.status.stories += added - removed
        self.timeline.select_story(keep)
        self.load_detail(keep)


def _split_alerts(db: Any, config: Any, story_ids: list[Any], now: Any) -> list[Any]:
    """The watch alerts a user's split raises on the two stories it made of one
    (:meth:`chipwatch.alerts.engine.AlertEngine.after_split`), in its transaction."""
    if not any(w.kind == "query" for w in config.watches):
        return []
    from chipwatch.alerts.engine import AlertEngine
    from chipwatch.tui.search import tagger_for

    engine = AlertEngine(db, config, tagger_for(config))
    return engine.after_split([s for s in story_ids if s is not None], now=now)
