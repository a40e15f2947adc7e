"""The status bar: window, filter, story count, feed health, poller and next poll.

It never ends mid-word: each field has a priority, and when the line is too narrow the
least important fields are left out whole; a field that must stay but still does not
fit is cut at a word, with an ellipsis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from chipwatch.textsafe import clean_title
from chipwatch.timeutil import countdown, from_iso
from chipwatch.words import plural

SEPARATOR = " · "
# lower is more important: these are the fields kept on a narrow line
PRIORITY = {
    "window": 0,
    "view": 1,
    "filter": 1,
    "stories": 2,
    "network": 3,  # offline, the one reason for every failing feed: kept before the counts
    "unread": 3,
    "new": 3,
    "failing": 4,
    "poller": 5,
    "next_poll": 6,
    "ok": 7,
    "title": 8,
    "last_error": 9,
}


def cut_at_word(text: Text, width: int) -> Text:
    """``text`` cut to ``width`` cells at a word boundary, ending with an ellipsis."""
    if cell_len(text.plain) <= width:
        return text
    cut = text.copy()
    cut.truncate(max(0, width - 1), overflow="crop")
    inside_a_word = not text.plain[len(cut.plain) : len(cut.plain) + 1].isspace()
    space = cut.plain.rfind(" ")
    if inside_a_word and space > 0:
        cut = cut[:space]
    cut.rstrip()
    return cut + Text("…")


def _joined(fields: list[tuple[str, Text]]) -> Text:
    line = Text()
    for index, (_name, text) in enumerate(fields):
        if index:
            line.append(SEPARATOR)
        line.append_text(text)
    return line


def fit_fields(fields: list[tuple[str, Text]], width: int) -> Text:
    """Join ``(name, text)`` fields into at most ``width`` cells, leaving out the least
    important fields first (``PRIORITY``); the last one left is cut at a word."""
    kept = list(fields)
    line = _joined(kept)
    while len(kept) > 1 and cell_len(line.plain) > width:
        drop = max(range(len(kept)), key=lambda i: PRIORITY.get(kept[i][0], len(PRIORITY)))
        del kept[drop]
        line = _joined(kept)
    return cut_at_word(line, width)


class StatusBar(Static):
    """One line at the bottom; every field is a reactive set by the screen."""

    # colours from the theme (app.tcss), readable on the bar's $panel background
    COMPONENT_CLASSES = {"status--good", "status--bad", "status--quiet", "status--window"}

    window: reactive[str] = reactive("7d")
    """The timeline's window: 24h, 7d, 30d or all."""
    view: reactive[str] = reactive("all")
    """Which stories the timeline shows: all, unread (U) or pinned (*)."""
    filter_text: reactive[str] = reactive("")
    """The active query or entity filter, as a valid query (``@"export controls"``)."""
    stories: reactive[int | None] = reactive(None)
    """How many stories match the window and filter."""
    unread: reactive[int | None] = reactive(None)
    """How many of those are unread."""
    new_count: reactive[int] = reactive(0)
    """Stories that arrived since the user last looked."""
    poller: reactive[str] = reactive("")
    """What the poller is doing (polling, idle, another process, off)."""
    health: reactive[dict[str, Any]] = reactive(dict, always_update=True)
    """Feeds ok / failing, last error, next poll (from the store)."""

    def __init__(self, *, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock

    def fields(self) -> list[tuple[str, Text]]:
        """Every field that has something to say, in display order."""
        out: list[tuple[str, Text]] = []
        if self.app.sub_title:
            out.append(("title", Text(clean_title(self.app.sub_title), style="bold")))
        window = "pinned" if self.view == "pinned" else self.window
        out.append(("window", Text(f" {window} ", style=self._style("window"))))
        if self.view == "unread":
            out.append(("view", Text("unread only", style="bold")))
        if self.filter_text:
            line = Text("filter ", style=self._style("quiet"))
            line.append(clean_title(self.filter_text), style="bold")
            out.append(("filter", line))
        if self.stories is not None:
            out.append(("stories", Text(plural(self.stories, "story", "stories"))))
        if self.unread and self.view != "unread":
            out.append(("unread", Text(f"{self.unread} unread")))
        if self.new_count:
            out.append(("new", Text(f"+{self.new_count} new", style=self._style("good"))))
        out += self._health_fields()
        if self.poller:
            out.append(("poller", Text(self.poller, style=self._style("quiet"))))
        return out

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"status--{name}", partial=True)

    def _health_fields(self) -> list[tuple[str, Text]]:
        health = self.health or {}
        if not health:
            return []
        out: list[tuple[str, Text]] = []
        ok = int(health.get("ok") or 0)
        out.append(("ok", Text(f"{plural(ok, 'feed')} ok", style=self._style("good"))))
        failing = int(health.get("failing") or 0)
        if failing:
            out.append(("failing", Text(f"{failing} failing", style=self._style("bad"))))
        next_poll = health.get("next_poll")
        if next_poll:
            label = countdown(from_iso(next_poll), self._clock())
            out.append(("next_poll", Text(f"next poll {label}", style=self._style("quiet"))))
        last_error = health.get("last_error")
        if health.get("network"):  # one state for the feeds it failed, not their errors
            out.append(("network", Text("network unreachable", style=self._style("bad"))))
        elif last_error:
            line = Text("last error: ", style=self._style("quiet"))
            line.append(clean_title(last_error), style=self._style("bad"))
            out.append(("last_error", line))
        return out

    def render(self) -> Text:
        width = self.content_region.width or self.size.width or 80
        line = fit_fields(self.fields(), max(1, width - 1))
        line.no_wrap = True
        return Text(" ") + line

    def on_resize(self) -> None:
        self.refresh()
