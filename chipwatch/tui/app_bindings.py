"""The monitor's keys that work everywhere (each with an id and a tooltip, so the
keymap can rebind it and the help screen can name it)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="quit", tooltip="Stop the poller and quit"),
    Binding(
        "question_mark",
        "help",
        "Help",
        id="help",
        tooltip="Every key with its id, and the symbols",
    ),
    Binding("r", "refresh", "Refresh", id="refresh", tooltip="Poll every feed now"),
    Binding(
        "f",
        "feeds",
        "Feeds",
        id="feeds",
        tooltip="Feed health and unread counts; enter shows a feed's stories",
    ),
    Binding(
        "W",
        "watches",
        "Watches",
        id="watches",
        tooltip="Watches; add with a preview of what they match",
    ),
    Binding("e", "export", "Export", id="export", tooltip="Export a digest"),
    Binding(
        "ctrl+p",
        "command_palette",
        "Commands",
        show=False,
        id="command_palette",
        tooltip="Every action, searchable",
    ),
]
