"""The export dialog: format, window, optional query, path → a digest.

The digest is made by the `chipwatch digest` command in a child process (the stable
command-line contract), so a 10,000-story export never touches the UI's event loop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from chipwatch.timeutil import WINDOWS, iso
from chipwatch.tui import store_workers as sw

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

FORMATS = ("md", "html", "json", "csv", "atom")
EXPORT_TIMEOUT = 300


def digest_command(
    app: ChipwatchApp, *, fmt: str, window: str, query: str, path: Path
) -> list[str]:
    """The `chipwatch digest` command line for the dialog's choices."""
    command = [
        sys.executable,
        "-m",
        "chipwatch",
        "--config",
        str(app.config_path),
        "--db",
        str(app.db_path),
        "digest",
        "--since",
        window,
        "--format",
        fmt,
        "-o",
        str(path),
        "--now",
        iso(app.clock()),
    ]
    if query.strip():
        command += ["--query", query.strip()]
    return command


def in_dialog_words(message: str, path: Path) -> str:
    """The digest command's error as the dialog's user sees it: no program name, and
    the Path field rather than the ``-o`` option they never typed."""
    message = message.removeprefix("chipwatch: ")
    return message.replace(f"-o {path}:", f"{path}:", 1)


class ExportScreen(sw.ReportsWorkerErrors, ModalScreen[Path | None]):
    """Choose and export; esc cancels. Dismisses with the written path."""

    app: ChipwatchApp

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without exporting")
    ]
    # the format first: the fields' scroll container took the focus, so enter and the
    # arrows did nothing until tab was pressed (session 26)
    AUTO_FOCUS = "#export-format"

    def compose(self) -> ComposeResult:
        window = self.app.main_screen.filters.window if self.app.main_screen else "7d"
        # compact fields with their labels beside them: the whole dialog fits in 80x24,
        # and the fields scroll (the buttons stay) when the terminal is shorter still
        with Vertical(id="export-dialog", classes="dialog") as dialog:
            dialog.border_title = "Export a digest"
            dialog.border_subtitle = "esc cancels"
            # not focusable itself: a focused field is scrolled into view anyway
            with VerticalScroll(id="export-fields", can_focus=False):
                with Horizontal(classes="field-row"):
                    yield Label("Format")
                    yield Select(
                        [(f, f) for f in FORMATS],
                        value="md",
                        allow_blank=False,
                        id="export-format",
                        compact=True,
                    )
                with Horizontal(classes="field-row"):
                    yield Label("Window")
                    yield Select(
                        [(w, w) for w in WINDOWS],
                        value=window if window in WINDOWS else "7d",
                        allow_blank=False,
                        id="export-window",
                        compact=True,
                    )
                with Horizontal(classes="field-row"):
                    yield Label("Query")
                    yield Input(
                        value=self.app.main_screen.filters.query,
                        id="export-query",
                        placeholder="optional, e.g. @H20 AND licence~",
                        compact=True,
                    )
                with Horizontal(classes="field-row"):
                    yield Label("Path")
                    yield Input(value=str(self._default_path("md")), id="export-path", compact=True)
            yield Static("", classes="hint", id="export-status")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", variant="primary", id="export-go")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Mark the row of the focused field (its label is shown reversed)."""
        for row in self.query(".field-row"):
            row.set_class(row in event.widget.ancestors, "-focused")

    def _default_path(self, fmt: str) -> Path:
        day = self.app.clock().strftime("%Y-%m-%d")
        return Path.cwd() / f"chipwatch-digest-{day}.{fmt}"

    @on(Select.Changed, "#export-format")
    def format_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        if path.suffix.lstrip(".") in FORMATS:
            path_input.value = str(path.with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted)
    def export(self) -> None:
        path = Path(self.query_one("#export-path", Input).value).expanduser()
        command = digest_command(
            self.app,
            fmt=str(self.query_one("#export-format", Select).value),
            window=str(self.query_one("#export-window", Select).value),
            query=self.query_one("#export-query", Input).value,
            path=path,
        )
        self.query_one("#export-status", Static).update("exporting…")
        self.run_digest(command, path)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def run_digest(self, command: list[str], path: Path) -> None:
        """Run `chipwatch digest` (in a thread, in a child process)."""
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.app.call_from_thread(self._failed, f"export failed: {exc}")
            return
        if done.returncode != 0:
            message = (done.stderr or done.stdout or "").strip() or "export failed"
            self.app.call_from_thread(self._failed, in_dialog_words(message, path)[:600])
            return
        self.app.call_from_thread(self._written, path)

    def _failed(self, message: str) -> None:
        self.query_one("#export-status", Static).update(Text(message))  # may quote the query
        self.notify(message, title="Export", severity="error", timeout=8)

    def _written(self, path: Path) -> None:
        self.notify(f"Digest written to {path}", title="Export", timeout=6)
        self.dismiss(path)
