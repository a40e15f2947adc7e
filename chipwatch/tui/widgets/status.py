"""The status bar: window, filter, story count, feed health, poller and next poll."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from chipwatch.textsafe import clean_title
from chipwatch.timeutil import format_duration, from_iso


class StatusBar(Static):
    """One line at the bottom; every field is a reactive set by the screen."""

    window: reactive[str] = reactive("7d")
    """The timeline's window: 24h, 7d, 30d or all."""
    filter_text: reactive[str] = reactive("")
    """The active query or entity filter, shown literally."""
    stories: reactive[int | None] = reactive(None)
    """How many stories match the window and filter."""
    new_count: reactive[int] = reactive(0)
    """Stories that arrived since the user last looked."""
    poller: reactive[str] = reactive("")
    """What the poller is doing (polling, idle, another process, off)."""
    health: reactive[dict[str, Any]] = reactive(dict, always_update=True)
    """Feeds ok / failing, last error, next poll (from the store)."""

    def __init__(self, *, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        if self.app.sub_title:
            out.append(f" {clean_title(self.app.sub_title)} ", style="bold")
        out.append(f" {self.window} ", style="reverse bold")
        if self.filter_text:
            out.append("  filter ", style="dim")
            out.append(clean_title(self.filter_text)[:60], style="bold")
        if self.stories is not None:
            out.append(f"  {self.stories} {'story' if self.stories == 1 else 'stories'}")
        if self.new_count:
            out.append(f"  +{self.new_count} new", style="bold green")
        self._health(out)
        if self.poller:
            out.append(f"  · {self.poller}", style="dim")
        return out

    def _health(self, out: Text) -> None:
        health = self.health or {}
        if not health:
            return
        out.append(f"  · feeds {health.get('ok', 0)} ok", style="green")
        failing = health.get("failing", 0)
        if failing:
            out.append(f" / {failing} failing", style="bold red")
        next_poll = health.get("next_poll")
        if next_poll:
            wait = from_iso(next_poll) - self._clock()
            label = "due" if wait.total_seconds() <= 0 else f"in {format_duration(wait)}"
            out.append(f"  · next poll {label}", style="dim")
        last_error = health.get("last_error")
        if health.get("network"):  # one state for the feeds it failed, not their errors
            out.append("  · network unreachable", style="bold red")
        elif last_error:
            out.append("  · last error: ", style="dim")
            out.append(clean_title(last_error)[:80], style="red")
