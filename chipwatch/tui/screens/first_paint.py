"""The monitor's first paint in one layout pass.

At start-up the first timeline page, its first story's detail and the side panes
(entities, alerts, feed health) arrive from three thread workers a few milliseconds
apart. Shown as they come, each one lays the screen out again (the timeline's, the
detail's and the lists' scrollbars appear): three passes of 15-25 ms. The gate holds the
screen's repaints (``App.batch_update``) from the moment the first page arrives until
the other parts are in, or ``MAX_HOLD_SECONDS`` passed, then everything is laid out and
drawn once. A part that arrives before the first page waits for it. After the first
paint the gate is open for good: later reloads and live updates show at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

MAX_HOLD_SECONDS = 0.25  # the longest the screen waits for the detail and side panes
PARTS = frozenset({"timeline", "detail", "dashboard"})


class FirstPaint:
    """Collects the start-up parts, then releases them in one batched update."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._missing = set(PARTS)
        self._waiting: list[Callable[[], None]] = []
        self._hold: AbstractContextManager[None] | None = None
        self._timer: Timer | None = None
        self.done = False

    def apply(self, part: str, show: Callable[[], None]) -> None:
        """Show a part now, or once the first page is in (held until all parts are)."""
        if self.done:
            show()
            return
        if part != "timeline" and "timeline" in self._missing:
            self._waiting.append(show)  # came first: shown with the first page
            self._missing.discard(part)
            return
        if part == "timeline":
            self._begin()
        show()
        self.skip(part)

    def skip(self, part: str) -> None:
        """A part that will not come (no rows: no detail to show)."""
        self._missing.discard(part)
        if not self._missing and not self.done:
            self.release()

    def _begin(self) -> None:
        self._hold = self._app.batch_update()
        self._hold.__enter__()
        self._timer = self._app.set_timer(MAX_HOLD_SECONDS, self.release)
        waiting, self._waiting = self._waiting, []
        for show in waiting:
            show()

    def release(self) -> None:
        """Paint now (all parts in, the deadline passed, or a read failed)."""
        if self.done:
            return
        self.done = True
        if self._timer is not None:
            self._timer.stop()
        waiting, self._waiting = self._waiting, []
        for show in waiting:
            show()
        if self._hold is not None:
            hold, self._hold = self._hold, None
            hold.__exit__(None, None, None)
