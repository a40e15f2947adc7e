"""The feeds screen: the health table; add, remove, refresh now.

The table fits the width: each column has a priority, and on a narrow screen the least
important ones give way first (the URL, then the schedule), so at 100 columns the
article counts and the last error are still there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from chipwatch.config import editor as configedit
from chipwatch.errors import UserError
from chipwatch.ingest.check import check_feed_now, refusal_reason
from chipwatch.store import views
from chipwatch.store.queries import sync_feeds
from chipwatch.textsafe import clean_title
from chipwatch.timeutil import countdown, from_iso
from chipwatch.tui import store_workers as sw
from chipwatch.tui.messages import FeedsLoaded, PollBatch
from chipwatch.tui.widgets.footer import CalmFooter
from chipwatch.tui.words import short_time
from chipwatch.words import plural, status_word

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

STATUS_STYLES = {
    "ok": "green",
    "not_modified": "green",
    "error": "bold red",
    "new": "dim",
    "disabled": "dim",
}
# (label, narrowest, widest, priority: lower is kept longer), in display order
COLUMNS = (
    ("name", 10, 24, 0),
    ("unread", 6, 6, 1),
    ("status", 10, 12, 2),
    ("articles", 8, 8, 3),
    ("last error", 24, 90, 4),
    ("fetched", 7, 8, 5),
    ("next poll", 9, 9, 6),
    ("url", 16, 60, 7),
)
CELL_PADDING = 2  # DataTable pads each cell by one cell on either side
GROW_ORDER = ("name", "last error", "url")  # who gets the room left over, in turn


def fit_columns(width: int, wanted: dict[str, int] | None = None) -> dict[str, int]:
    """Each shown column's width for a table ``width`` cells wide: the least important
    columns are left out until the rest fit at their narrowest, then the room left
    widens the name, the last error and the URL, in that order, each up to what its
    longest cell ``wanted`` (and its widest)."""
    wanted = wanted or {}
    shown = list(COLUMNS)

    def needed(columns: list[tuple[str, int, int, int]]) -> int:
        return sum(narrowest + CELL_PADDING for _label, narrowest, _w, _p in columns)

    while len(shown) > 1 and needed(shown) > width:
        shown.remove(max(shown, key=lambda column: column[3]))
    widths = {label: narrowest for label, narrowest, _w, _p in shown}
    room = width - needed(shown)
    widest = {label: min(most, wanted.get(label, most)) for label, _n, most, _p in shown}
    for label in GROW_ORDER:
        if label in widths and room > 0:
            extra = max(0, min(room, widest[label] - widths[label]))
            widths[label] += extra
            room -= extra
    return widths


def cell(text: str, style: str, *, width: int) -> Text:
    """A cell cut to its column's width with an ellipsis (never wrapped)."""
    out = Text(text, style=style, no_wrap=True, overflow="ellipsis")
    out.truncate(width, overflow="ellipsis")
    return out


class FeedsScreen(sw.ReportsWorkerErrors, Screen):
    """Feed health; `a` add, `x` remove (press twice), `r` refresh now, esc back."""

    app: ChipwatchApp

    BINDINGS = [
        Binding("escape", "back", "Back", id="feeds.back", tooltip="Back to the monitor"),
        Binding(
            "enter",
            "show_feed",
            "Stories",
            id="feeds.stories",
            tooltip="Show the feed's stories in the timeline (a feed: filter; esc clears it)",
        ),
        Binding("a", "add", "Add feed", id="feeds.add", tooltip="Add a feed by URL"),
        Binding(
            "x,delete",
            "remove",
            "Remove",
            id="feeds.remove",
            tooltip="Remove the selected feed from the config (press twice)",
        ),
        Binding(
            "r", "refresh_now", "Refresh now", id="feeds.refresh", tooltip="Poll every feed now"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[views.FeedHealth] = []
        self.unread: dict[int, int] = {}
        """Unread stories per feed id, in the monitor's window."""
        self.armed_remove: str | None = None
        self.widths: dict[str, int] = {}
        """The columns shown and their widths (see :func:`fit_columns`)."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-row", id="feed-form"):
            url = Input(placeholder="https://… or a local file", id="feed-url")
            url.border_title = "New feed: URL or file"
            yield url
            name = Input(placeholder="optional", id="feed-name")
            name.border_title = "name"
            yield name
        table: DataTable[Text] = DataTable(
            id="feeds-table", cursor_type="row", zebra_stripes=True, classes="pane"
        )
        table.border_title = "Feeds"
        yield table
        # the selected feed uncut: at 80 columns the table cuts names to ten cells
        # ("Google Ne…" twice) and errors to twenty-four
        yield Static("", classes="hint", id="feed-selected")
        yield Static("", classes="status-line", id="feeds-hint")
        yield CalmFooter()

    def on_mount(self) -> None:
        self.query_one("#feed-form").display = False
        self.query_one(DataTable).focus()
        self.load()

    def on_resize(self) -> None:
        """Fit the columns to the new width (they are chosen by priority)."""
        self._fill()

    def _table_width(self) -> int:
        table = self.query_one(DataTable)
        return max(20, (table.scrollable_content_region.width or self.size.width - 3) - 1)

    @property
    def window(self) -> str:
        """The monitor's window, which the unread counts are for."""
        return self.app.main_screen.filters.window

    @work(thread=True, exclusive=True, group="feeds", exit_on_error=False)
    def load(self) -> None:
        """Read the health table and the unread counts (in a thread)."""
        since = sw.Filters(window=self.window).since(self.app.clock())
        config = self.app.config

        def read(db) -> FeedsLoaded:
            hidden = sw.muted_ids(db, config, since=since)
            start = views.iso(since) if since else None
            counts = views.feed_unread_counts(db, since=start, hidden=hidden)
            return FeedsLoaded(views.feed_health(db), counts)

        self.post_message(sw.read(self.app.db_path, read))

    def on_feeds_loaded(self, message: FeedsLoaded) -> None:
        # a removed feed stays in the store, disabled, for its articles: it is no longer
        # one of "your feeds" (a feed disabled by 410 Gone is still in the config: shown)
        configured = {configedit.same_feed_key(f.url) for f in self.app.config.feeds}
        self.feeds = [
            f for f in message.feeds if f.enabled or configedit.same_feed_key(f.url) in configured
        ]
        self.unread = message.unread
        self._fill()
        failing = sum(1 for f in self.feeds if f.last_status == "error" and f.enabled)
        hint = f"{plural(len(self.feeds), 'feed')} · {failing} failing · unread in {self.window}"
        self.query_one("#feeds-hint", Static).update(
            hint + " · enter shows a feed's stories · esc back"
        )

    def _fill(self) -> None:
        """(Re)build the table at the columns that fit, the cursor on the same row."""
        if not self.is_mounted:
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        widths = fit_columns(self._table_width(), self._longest())
        if widths != self.widths:
            self.widths = widths
            table.clear(columns=True)
            for label, width in widths.items():
                table.add_column(label, width=width, key=label)
        else:
            table.clear()
        now = self.app.clock()
        for feed in self.feeds:
            table.add_row(*self._cells(feed, now, widths), key=str(feed.id))
        if self.feeds:
            table.move_cursor(row=min(max(row, 0), len(self.feeds) - 1))
        self._show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        """The feed under the cursor in full: its name and URL, and its last error."""
        feed = self.selected
        line = Text(no_wrap=False, overflow="fold")
        if feed is not None:
            line.append(clean_title(feed.name), style="bold")
            line.append(f" · {clean_title(feed.url)}")
            if feed.last_error:
                line.append("\nlast error: ", style="bold")
                # not red: red on the hint line's background is below 4.5:1 contrast
                line.append(clean_title(feed.last_error))
        self.query_one("#feed-selected", Static).update(line)

    def _longest(self) -> dict[str, int]:
        """The longest name, error and URL: a column grows no wider than these."""

        def longest(values: list[str]) -> int:
            return max((len(clean_title(v)) for v in values), default=0)

        return {
            "name": longest([f.name for f in self.feeds]),
            "last error": longest([f.last_error or "" for f in self.feeds]),
            "url": longest([f.url for f in self.feeds]),
        }

    def _cells(self, feed: views.FeedHealth, now, widths: dict[str, int]) -> list[Text]:
        status = feed.last_status if feed.enabled else "disabled"
        if feed.last_http_status and status == "error":
            status = f"error {feed.last_http_status}"
        upcoming = countdown(from_iso(feed.next_poll_at), now) if feed.next_poll_at else "—"
        every = {
            "name": (clean_title(feed.name), "" if feed.enabled else "dim"),
            "unread": self._unread_cell(feed, widths.get("unread", 6)),
            "status": (
                status_word(status).replace("_", " "),
                STATUS_STYLES.get(feed.last_status, ""),
            ),
            "articles": (f"{feed.articles:>{widths.get('articles', 8)}}", ""),
            "last error": (clean_title(feed.last_error or ""), "red"),
            "fetched": (short_time(feed.last_fetch_at, now) if feed.last_fetch_at else "never", ""),
            "next poll": (upcoming, ""),
            "url": (clean_title(feed.url), ""),
        }
        return [cell(*every[label], width=width) for label, width in widths.items()]

    def _unread_cell(self, feed: views.FeedHealth, width: int) -> tuple[str, str]:
        count = self.unread.get(feed.id, 0)
        return f"{count:>{width}}", "bold" if count else "dim"

    def on_poll_batch(self, message: PollBatch) -> None:
        self.load()

    @property
    def selected(self) -> views.FeedHealth | None:
        """The feed under the cursor."""
        row = self.query_one(DataTable).cursor_row
        return self.feeds[row] if 0 <= row < len(self.feeds) else None

    def action_back(self) -> None:
        if self.query_one("#feed-form").display:
            self.query_one("#feed-form").display = False
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (the table takes the key first)."""
        event.stop()
        self.action_show_feed()

    def action_show_feed(self) -> None:
        """Back to the timeline, filtered to this feed's stories (a `feed:` query,
        shown in the query box and the status bar; esc clears it)."""
        feed = self.selected
        if feed is None:
            self.notify("No feed selected.", severity="warning", timeout=3)
            return
        from chipwatch.query.match import feed_term

        query = feed_term(feed.name, feed.url, [(f.name, f.url) for f in self.feeds])
        count = self.unread.get(feed.id, 0)
        note = f"{clean_title(feed.name)}: its stories ({count} unread) · esc clears the filter."
        self.app.pop_screen()
        self.app.main_screen.show_query(query, note)

    def action_add(self) -> None:
        self.query_one("#feed-form").display = True
        self.query_one("#feed-url", Input).focus()

    @on(Input.Submitted)
    def submit_feed(self) -> None:
        url = self.query_one("#feed-url", Input).value.strip()
        name = self.query_one("#feed-name", Input).value.strip()
        if url:
            self.notify(f"Fetching {clean_title(url)} to check it is a feed…", timeout=3)
            self.change_feeds("add", url, name)

    def action_remove(self) -> None:
        feed = self.selected
        if feed is None:
            return
        if self.armed_remove != feed.url:
            self.armed_remove = feed.url
            self.notify(f"Press x again to remove {clean_title(feed.name)}.", timeout=4)
            return
        self.armed_remove = None
        self.change_feeds("remove", feed.url, "")

    @work(thread=True, exclusive=True, group="feed-edit", exit_on_error=False)
    def change_feeds(self, kind: str, url: str, name: str) -> None:
        """Edit the config, then make the store reflect it (in a thread)."""
        said = f"Feed removed: {clean_title(url)}"
        try:
            if kind == "add":
                url, said = self._checked(url)
                configedit.add_feed(self.app.config_path, url, name)
            elif not configedit.remove_feed(self.app.config_path, url):
                raise UserError(f"{url} is not in the config")
            self.app.reload_config()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        now = self.app.clock()
        sw.write(self.app.db_path, lambda db: sync_feeds(db, self.app.config.feeds, now=now))
        self.app.call_from_thread(self._edited, said)

    def _checked(self, raw: str) -> tuple[str, str]:
        """Fetch and parse ``raw`` as ``chipwatch feeds add`` does (in the worker's
        thread): (the URL to add, what to say), or a UserError saying why not."""
        url = configedit.normalize_feed_url(raw)
        if any(
            configedit.same_feed_key(f.url) == configedit.same_feed_key(url)
            for f in self.app.config.feeds
        ):
            raise UserError(f"{clean_title(url)} is already in the config")
        check = check_feed_now(url, self.app.config.poll, now=self.app.clock())
        if not check.ok:
            reason = refusal_reason(raw, url, check)
            if check.suggestion:
                reason += f"; it links to a feed: {clean_title(check.suggestion)}"
            raise UserError(reason)
        title = f'"{clean_title(check.title)}"' if check.title else clean_title(url)
        lang = f"language {check.lang}" if check.lang else "language unknown"
        return url, f"Feed added: {title} · {lang} · {plural(check.items, 'item')}"

    def _edited(self, said: str) -> None:
        self.notify(said, timeout=6)
        for field_id in ("#feed-url", "#feed-name"):
            self.query_one(field_id, Input).value = ""
        self.query_one("#feed-form").display = False
        self.query_one(DataTable).focus()
        self.load()

    def action_refresh_now(self) -> None:
        self.app.action_refresh()
        self.load()
