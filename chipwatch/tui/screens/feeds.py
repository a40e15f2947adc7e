"""The feeds screen: the health table; add, remove, refresh now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from chipwatch.config import editor as configedit
from chipwatch.errors import UserError
from chipwatch.store import views
from chipwatch.store.queries import sync_feeds
from chipwatch.textsafe import clean_title
from chipwatch.tui import store_workers as sw
from chipwatch.tui.messages import FeedsLoaded, PollBatch
from chipwatch.tui.widgets.timeline import short_time

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

STATUS_STYLES = {
    "ok": "green",
    "not_modified": "green",
    "error": "bold red",
    "new": "dim",
    "disabled": "dim",
}
COLUMNS = ("name", "url", "status", "fetched", "next poll", "articles", "last error")


class FeedsScreen(sw.ReportsWorkerErrors, Screen):
    """Feed health; `a` add, `x` remove (press twice), `r` refresh now, esc back."""

    app: ChipwatchApp

    BINDINGS = [
        Binding("escape", "back", "Back", id="feeds.back", tooltip="Back to the monitor"),
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
        self.armed_remove: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Feeds", classes="screen-title")
        with Horizontal(classes="form-row", id="feed-form"):
            yield Input(placeholder="https://… or a local file", id="feed-url")
            yield Input(placeholder="name (optional)", id="feed-name")
        yield DataTable(id="feeds-table", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="hint", id="feeds-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#feed-form").display = False
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="feeds", exit_on_error=False)
    def load(self) -> None:
        """Read the health table (in a thread)."""
        self.post_message(FeedsLoaded(sw.read(self.app.db_path, views.feed_health)))

    def on_feeds_loaded(self, message: FeedsLoaded) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.feeds = message.feeds
        now = self.app.clock()
        for feed in message.feeds:
            table.add_row(*self._cells(feed, now), key=str(feed.id))
        if self.feeds:
            table.move_cursor(row=min(row, len(self.feeds) - 1))
        failing = sum(1 for f in self.feeds if f.last_status == "error" and f.enabled)
        self.query_one("#feeds-hint", Static).update(
            f"{len(self.feeds)} feeds · {failing} failing · a add · x remove · r refresh · esc back"
        )

    @staticmethod
    def _cells(feed: views.FeedHealth, now) -> list[Text | str]:
        status = feed.last_status if feed.enabled else "disabled"
        if feed.last_http_status and status == "error":
            status = f"error {feed.last_http_status}"
        when = short_time(feed.last_fetch_at, now) if feed.last_fetch_at else "never"
        upcoming = short_time(feed.next_poll_at, now) if feed.next_poll_at else "—"
        return [
            Text(clean_title(feed.name)[:24], style="" if feed.enabled else "dim"),
            Text(clean_title(feed.url)[:36], style="dim"),
            Text(status, style=STATUS_STYLES.get(feed.last_status, "")),
            when,
            upcoming,
            Text(str(feed.articles), justify="right"),
            Text(clean_title(feed.last_error or "")[:60], style="red"),
        ]

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

    def action_add(self) -> None:
        self.query_one("#feed-form").display = True
        self.query_one("#feed-url", Input).focus()

    @on(Input.Submitted)
    def submit_feed(self) -> None:
        url = self.query_one("#feed-url", Input).value.strip()
        name = self.query_one("#feed-name", Input).value.strip()
        if url:
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
        try:
            if kind == "add":
                configedit.add_feed(self.app.config_path, url, name)
            elif not configedit.remove_feed(self.app.config_path, url):
                raise UserError(f"{url} is not in the config")
            self.app.reload_config()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        now = self.app.clock()
        sw.write(self.app.db_path, lambda db: sync_feeds(db, self.app.config.feeds, now=now))
        self.app.call_from_thread(self._edited, kind, url)

    def _edited(self, kind: str, url: str) -> None:
        self.notify(
            f"Feed {'added' if kind == 'add' else 'removed'}: {clean_title(url)}", timeout=4
        )
        for field_id in ("#feed-url", "#feed-name"):
            self.query_one(field_id, Input).value = ""
        self.query_one("#feed-form").display = False
        self.query_one(DataTable).focus()
        self.load()

    def action_refresh_now(self) -> None:
        self.app.action_refresh()
        self.load()
