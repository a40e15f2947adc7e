"""The watches screen: list, add or edit with a live preview of what the query would
have matched in the archive, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, OptionList, Static

from chipwatch.config import WatchConfig
from chipwatch.config import editor as configedit
from chipwatch.errors import UserError
from chipwatch.store import views
from chipwatch.textsafe import clean_title
from chipwatch.tui import store_workers as sw
from chipwatch.tui.search import search_story_ids
from chipwatch.tui.widgets.footer import CalmFooter
from chipwatch.tui.words import headline, plural, short_time

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

PREVIEW_LIMIT = 50
NEW_TITLE = "New watch: name"
EDIT_TITLE = "Edit watch: name"
PREVIEW_DELAY = 0.3


def _query_text(watch: WatchConfig) -> str:
    return watch.query or f"spike of {watch.entity or 'any entity'}"


class WatchesScreen(sw.ReportsWorkerErrors, Screen):
    """`a` add (name, query; preview as you type), `e`/enter edit the selected watch's
    query, `x` remove (press twice), esc back."""

    app: ChipwatchApp

    BINDINGS = [
        Binding("escape", "back", "Back", id="watches.back", tooltip="Back to the monitor"),
        Binding(
            "a",
            "add",
            "Add watch",
            id="watches.add",
            tooltip="Add a watch; see what it would have matched",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            id="watches.edit",
            tooltip="Change the selected watch's query (its alerts stay its own)",
        ),
        Binding(
            "x,delete",
            "remove",
            "Remove",
            id="watches.remove",
            tooltip="Remove the selected watch (press twice)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.armed_remove: str | None = None
        self._preview_timer: Timer | None = None
        self.previewed: str | None = None
        """The query the preview pane and status line show ("" for none)."""
        self.editing: str | None = None
        """The name of the watch loaded into the form by `e`, while it is there."""

    def compose(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(
            id="watches-table", cursor_type="row", zebra_stripes=True, classes="pane"
        )
        table.border_title = "Watches"
        yield table
        # the selected watch's query uncut: the table cuts a long one with an ellipsis
        yield Static("", classes="hint", id="watch-selected")
        with Horizontal(classes="form-row", id="watch-form"):
            name = Input(placeholder="e.g. H20 exports", id="watch-name")
            name.border_title = NEW_TITLE
            yield name
            # not selected on focus: `e` loads a watch's query to be extended, not retyped
            query = Input(
                placeholder="e.g. @H20 AND (export OR licence~)",
                id="watch-query",
                select_on_focus=False,
            )
            query.border_title = "query (a preview shows below)"
            yield query
        preview = OptionList(id="watch-preview", classes="pane")
        preview.border_title = "Preview: what the query would have matched"
        yield preview
        yield Static("", classes="status-line", id="preview-status")
        yield CalmFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("name", "query", "notify")
        self.show_watches()
        table.focus()

    def on_resize(self) -> None:
        self.show_watches()

    def show_watches(self) -> None:
        """Fill the table from the config."""
        table = self.query_one(DataTable)
        if not table.columns:  # a resize before the columns were made
            return
        table.clear()
        watches = self.app.config.watches
        names = [clean_title(w.name) for w in watches]
        notifies = [", ".join(w.notify) or "—" for w in watches]
        # the query takes the room the name and notify columns leave (each cell is padded
        # by one on either side, the pane's border and scrollbar take four): a long one
        # is cut with an ellipsis, not pushed, with the notify column, off the screen
        room = self.app.size.width - 6 - max(map(cell_len, ["name", *names])) - 2
        room -= max(map(cell_len, ["notify", *notifies])) + 2
        for watch, name, notify in zip(watches, names, notifies, strict=True):
            query = Text(_query_text(watch))
            query.truncate(max(12, room), overflow="ellipsis")
            table.add_row(Text(name, style="bold"), query, notify, key=watch.name)
        self._show_summary()
        self._show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        """The watch under the cursor, its query in full."""
        row = self.query_one(DataTable).cursor_row
        watches = self.app.config.watches
        line = Text()
        if 0 <= row < len(watches):
            line.append(clean_title(watches[row].name), style="bold")
            line.append(f": {clean_title(_query_text(watches[row]))}")
        self.query_one("#watch-selected", Static).update(line)

    def _show_summary(self) -> None:
        """The status line when no query is being tried: the count and the keys."""
        status = self.query_one("#preview-status", Static)
        status.set_class(False, "error")
        status.update(
            f"{plural(len(self.app.config.watches), 'watch', 'watches')}"
            " · a add · e edit · x remove · esc back"
        )

    def action_back(self) -> None:
        if self.focused and self.focused.id in ("watch-name", "watch-query"):
            if self.editing is not None:  # an edit left unsaved: the form is new again
                self._fill_form("", "")
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def action_add(self) -> None:
        if self.editing is not None:
            self._fill_form("", "")
        self.query_one("#watch-name", Input).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        """Load the selected watch into the form; enter saves its new query in place."""
        row = self.query_one(DataTable).cursor_row
        watches = self.app.config.watches
        if not 0 <= row < len(watches):
            return
        watch = watches[row]
        self._fill_form(watch.name, watch.query or "", editing=watch.name)
        query = self.query_one("#watch-query", Input)
        query.focus()
        # the cursor to the query's end once the field is laid out (a move the field
        # sees, so a long query scrolls to show where typing goes)
        query.cursor_position = 0
        self.call_after_refresh(query.action_end)

    def _fill_form(self, name: str, query: str, *, editing: str | None = None) -> None:
        self.editing = editing
        field = self.query_one("#watch-name", Input)
        field.border_title = NEW_TITLE if editing is None else EDIT_TITLE
        field.value = name
        self.query_one("#watch-query", Input).value = query

    @on(Input.Changed, "#watch-query")
    def query_changed(self, event: Input.Changed) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        text = event.value.strip()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self.preview(text))

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def preview(self, text: str) -> None:
        """Run the query over the whole archive (in a thread)."""
        if not text:
            self.app.call_from_thread(self._show_preview, text, [], 0, "")
            return
        try:
            with sw.connection(self.app.db_path) as db:
                ids = search_story_ids(db, text, self.app.config, since=None)
                rows = views.timeline_rows(db, sorted(ids)[-PREVIEW_LIMIT:]) if ids else []
        except UserError as exc:
            self.app.call_from_thread(self._show_preview, text, [], 0, str(exc))
            return
        self.app.call_from_thread(self._show_preview, text, rows, len(ids), "")

    def _show_preview(
        self, text: str, rows: list[views.TimelineRow], total: int, error: str
    ) -> None:
        # `exclusive` cancels an older preview's worker but cannot stop its thread: on a
        # busy machine its result came after the newer one's and replaced it
        if text != self.query_one("#watch-query", Input).value.strip():
            return
        self.previewed = text
        status = self.query_one("#preview-status", Static)
        preview = self.query_one("#watch-preview", OptionList)
        preview.clear_options()
        if not text:  # the box was emptied (or a watch just saved): not "0 stories"
            self._show_summary()
            return
        status.set_class(bool(error), "error")
        if error:
            status.update(Text(error))
            return
        status.update(
            f"would have matched {plural(total, 'story', 'stories')} in the archive"
            + (f" (newest {len(rows)} shown)" if total > len(rows) else "")
            + " · enter saves the watch"
        )
        now = self.app.clock()
        width = max(20, preview.scrollable_content_region.width - 1)
        for row in rows:
            # one line a story, like the timeline: a long headline is cut, not wrapped
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{short_time(row.last_updated, now):>8}  ", style="dim")
            line.append(f"{plural(row.outlet_count, 'outlet'):>10}  ", style="dim")
            line.append(headline(row.title))
            line.truncate(width, overflow="ellipsis")
            preview.add_option(line)

    @on(Input.Submitted)
    def submit_watch(self) -> None:
        name = self.query_one("#watch-name", Input).value
        query = self.query_one("#watch-query", Input).value
        if not name.strip():
            self.query_one("#watch-name", Input).focus()
            return
        if not query.strip():
            self.query_one("#watch-query", Input).focus()
            return
        self.change_watches("replace" if name.strip() == self.editing else "add", name, query)

    def action_remove(self) -> None:
        table = self.query_one(DataTable)
        watches = self.app.config.watches
        if not 0 <= table.cursor_row < len(watches):
            return
        name = watches[table.cursor_row].name
        if self.armed_remove != name:
            self.armed_remove = name
            self.notify(f"Press x again to remove the watch {clean_title(name)}.", timeout=4)
            return
        self.armed_remove = None
        self.change_watches("remove", name, "")

    @work(thread=True, exclusive=True, group="watch-edit", exit_on_error=False)
    def change_watches(self, kind: str, name: str, query: str) -> None:
        """Edit the config (in a thread); a bad query is refused before saving."""
        try:
            if kind != "remove":  # a bad query is refused before anything is written
                with sw.connection(self.app.db_path) as db:
                    search_story_ids(db, query, self.app.config, since=None)
            if kind == "add":
                configedit.add_watch(self.app.config_path, name, query)
            elif kind == "replace":
                if configedit.replace_watch(self.app.config_path, name, query) is None:
                    raise UserError(f"no watch named {name!r} (removed meanwhile?)")
            elif not configedit.remove_watch(self.app.config_path, name):
                raise UserError(f"no watch named {name!r}")
            self.app.reload_config()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._edited, kind, name)

    def _edited(self, kind: str, name: str) -> None:
        done = {"add": "added", "replace": "changed", "remove": "removed"}[kind]
        self.notify(f"Watch {done}: {clean_title(name)}", timeout=4)
        self._fill_form("", "")
        self.show_watches()
        self.query_one(DataTable).focus()
