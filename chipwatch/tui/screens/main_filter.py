"""The main screen's `/` filter: applied as you type (after a short pause, in a thread
worker like every read), an invalid query shown under the box as an error while the
last valid filter stays active (the status bar shows only what is applied)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Input, Static

from chipwatch.tui import store_workers as sw

if TYPE_CHECKING:
    from chipwatch.tui.screens.main import MainScreen

FILTER_DELAY = 0.25  # seconds of quiet typing before the query is run
SEARCH_PLACEHOLDER = "filter as you type: @H20 AND (export OR licence~) · enter: list · esc: close"


class MainFilter:
    """Mixed into MainScreen; ``self`` is the screen."""

    _filter_timer: Timer | None = None

    def action_search(self: MainScreen) -> None:
        """Show the query input, pre-filled with the current query."""
        self.search_input.display = True
        self.search_input.value = self.filters.query
        self.search_input.focus()

    # named handlers, not @on: Textual registers @on handlers only on classes built by
    # its metaclass, and this mixin is a plain class
    def on_input_changed(self: MainScreen, event: Input.Changed) -> None:
        """Run the query once the typing pauses."""
        if event.input is not self.search_input:
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        text = event.value.strip()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.try_query(text))

    def try_query(self: MainScreen, text: str) -> None:
        """Load the timeline for this query (unless it is what is shown or loading)."""
        if text == self.wanted.query:
            if text == self.filters.query:
                self.show_query_error("")
            return
        self.reload(replace(self.wanted, query=text))

    def on_input_submitted(self: MainScreen, event: Input.Submitted) -> None:
        """Enter: apply now (if the pause has not come yet), then go to the list."""
        if event.input is not self.search_input:
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._to_list_when_applied = True
        text = event.value.strip()
        if text != self.wanted.query:
            self.reload(replace(self.wanted, query=text))
        elif not self.search_input.has_class("error"):
            self.filter_applied()

    def filter_applied(self: MainScreen) -> None:
        """A query (or none) was applied: clear the error; after Enter, go to the list."""
        self.show_query_error("")
        if self._to_list_when_applied:
            self._to_list_when_applied = False
            self.search_input.display = bool(self.filters.query)
            self.timeline.focus()

    def show_query_error(self: MainScreen, message: str) -> None:
        """Show (or clear, with "") the error under the query box."""
        error = self.query_one("#search-error", Static)
        error.update(Text(message))  # the query is the user's text, never markup
        error.set_class(bool(message), "shown")
        self.search_input.set_class(bool(message), "error")

    def query_failed(self: MainScreen, message: str, generation: int) -> None:
        """The query did not parse: say why under the box; the old filter stays."""
        self._gate().release()
        if generation != self.generation:
            return
        self.wanted = self.filters
        self._to_list_when_applied = False
        self.search_input.display = True
        self.show_query_error(message)
        if not self.search_input.has_focus:
            self.search_input.focus()

    def action_clear_filters(self: MainScreen) -> None:
        """Esc: in the query box, close it (the applied filter stays); elsewhere clear
        the query and entity filters, or go back to the timeline."""
        if self.search_input.has_focus:
            if self._filter_timer is not None:
                self._filter_timer.stop()
            self.show_query_error("")
            self.search_input.display = bool(self.filters.query)
            self.wanted = self.filters
            self.timeline.focus()
            return
        if not self.filters.query and not self.filters.entity:
            self.timeline.focus()  # esc from another pane goes back to the timeline
            return
        self.search_input.value = ""
        self.search_input.display = False
        self.show_query_error("")
        self.reload(sw.Filters(window=self.filters.window))
        self.notify("Filters cleared.", timeout=2)
        self.timeline.focus()
