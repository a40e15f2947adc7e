"""Opening and copying an article's link, said the same way on every screen.

The main screen and the reader both offer `o` and `c`; what they say must not differ
(the reader once said "Link copied." after OSC 52, which many terminals ignore). Both
run in thread workers: a browser can block, a clipboard program is a process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.notifications import SeverityLevel

if TYPE_CHECKING:
    from textual.screen import Screen


def opened_note(url: str, opened: bool) -> tuple[str, SeverityLevel, float]:
    """(message, severity, seconds) after trying to open ``url`` in a browser: when
    none started, the link, shown long enough to be copied by hand."""
    if opened:
        return f"Opened in the browser: {url}", "information", 4
    return f"No browser could be started. The link: {url}", "warning", 15


def copied_note(url: str, program: str) -> tuple[str, float]:
    """(message, seconds) after copying ``url``: "copied" only when a clipboard program
    said so; OSC 52 is said as such."""
    if program:
        return f"Link copied ({program}).", 3
    return f"Link sent to the terminal's clipboard (OSC 52; some terminals ignore it): {url}", 8


class LinkActions:
    """Mixed into a screen (``self``): ``open_in_browser`` and ``copy_link`` workers."""

    @work(thread=True, exit_on_error=False, group="browser")
    def open_in_browser(self: Screen[Any], url: str) -> None:
        """Call the app's opener (webbrowser.open unless a test replaced it)."""
        opened = bool(cast(Any, self.app).open_url(url))  # ChipwatchApp.open_url
        message, severity, seconds = opened_note(url, opened)
        self.app.call_from_thread(self.notify, message, severity=severity, timeout=seconds)

    @work(thread=True, exit_on_error=False, group="clipboard")
    def copy_link(self: Screen[Any], url: str) -> None:
        """Try the clipboard programs, else OSC 52 (``App.copy_to_clipboard``)."""
        from chipwatch.tui.clipboard import copy_with_program

        program = copy_with_program(url)
        if not program:
            self.app.call_from_thread(self.app.copy_to_clipboard, url)
        message, seconds = copied_note(url, program)
        self.app.call_from_thread(self.notify, message, timeout=seconds)
