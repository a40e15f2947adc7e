"""The alerts pane: newest first, with the watch's name and the story.

Each alert reads once: its mark (unseen or not), the story's time (when the news
happened; when it was raised is in the story's detail), the watch, then the title."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from chipwatch.store.views import AlertRow
from chipwatch.textsafe import clean_title
from chipwatch.tui.messages import AlertChosen, AlertStateWanted
from chipwatch.tui.widgets.linelist import LineOptionList
from chipwatch.tui.words import UNREAD, headline, short_time

# the timeline's mark (words.LEGEND): an unseen alert is "unread"; dismissed ones are hidden
STATE_MARKS = {"new": (UNREAD, "bold green")}


def alert_prompt(alert: AlertRow, now: datetime, width: int = 40) -> Text:
    """Two lines, each cut to ``width``: mark, the story's time and the watch; then the
    title. The watch's name is said once (a spike watch is already "… spike")."""
    mark, style = STATE_MARKS.get(alert.state, (" ", ""))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{mark} ", style=style)
    text.append(f"{short_time(alert.when, now):>8} ", style="dim")
    text.append(clean_title(alert.watch), style="bold" if alert.state == "new" else "")
    title = Text("  " + headline(alert.title), style="" if alert.state == "new" else "dim")
    title.truncate(max(8, width), overflow="ellipsis")
    text.truncate(max(8, width), overflow="ellipsis")
    return Text("\n").join([text, title])


class AlertsPane(LineOptionList):
    """Enter opens the alert's story; `s` marks it seen; `d` dismisses it."""

    OPTION_LINES = 2  # see alert_prompt

    BINDINGS = [
        Binding("s", "seen", "Seen", id="alerts.seen", tooltip="Mark the alert seen"),
        Binding(
            "d", "dismiss", "Dismiss", id="alerts.dismiss", tooltip="Dismiss the alert (hide it)"
        ),
    ]

    def __init__(self, *, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self.alerts: list[AlertRow] = []
        self._shown_width = 0

    def show(self, alerts: list[AlertRow], *, force: bool = False) -> None:
        """Replace the list, keeping the highlight on the same alert when possible."""
        if alerts == self.alerts and self.option_count and not force:
            return  # unchanged
        current = self.current
        self.alerts = alerts
        now = self._clock()
        width = self._shown_width = self.line_width()

        def option(alert: AlertRow) -> Callable[[], Option]:
            return lambda: Option(alert_prompt(alert, now, width), id=f"a{alert.id}")

        # an alert whose row, time label and width are unchanged keeps its option and lines
        self.replace_options(((a, short_time(a.when, now), width), option(a)) for a in alerts)
        ids = [a.id for a in alerts]
        if current is not None and current.id in ids:
            self.highlighted = ids.index(current.id)
        fresh = sum(1 for a in alerts if a.state == "new")
        self.border_subtitle = f"{fresh} unseen" if fresh else ""

    def line_width(self) -> int:
        """The width the prompts are cut to."""
        return (self.scrollable_content_region.width or 42) - 1

    def on_resize(self) -> None:
        """Cut the lines again at the new width (not at the old one)."""
        if self.alerts and self.line_width() != self._shown_width:
            self.show(self.alerts, force=True)

    @property
    def current(self) -> AlertRow | None:
        """The highlighted alert."""
        index = self.highlighted
        return self.alerts[index] if index is not None and index < len(self.alerts) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(AlertChosen(self.alerts[event.option_index]))

    def action_seen(self) -> None:
        self._want("seen")

    def action_dismiss(self) -> None:
        self._want("dismissed")

    def _want(self, state: str) -> None:
        if self.current is None:
            self.notify("No alert to change.", severity="warning", timeout=3)
        else:
            self.post_message(AlertStateWanted(self.current.id, state))
