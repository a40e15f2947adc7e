"""Help (`?`): every key, its binding id (for [ui] keymap) and what it does."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

INTRO = (
    'Keys can be remapped by id in config.toml, e.g. [ui.keymap] refresh = "ctrl+r". '
    "ctrl+p searches every action. Esc closes this screen."
)


def display_key(key: str) -> str:
    """``question_mark`` → ``?`` and so on, for people."""
    names = {
        "question_mark": "?",
        "slash": "/",
        "right_square_bracket": "]",
        "left_square_bracket": "[",
        "escape": "esc",
    }
    return ",".join(names.get(k.strip(), k.strip()) for k in key.split(","))


BindingGroups = Sequence[tuple[str, list[Binding]]]


class HelpScreen(ModalScreen[None]):
    """A table of bindings, ``(where, bindings)`` group by group; closes on esc, q or ?."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, groups: BindingGroups) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("chipwatch · keys", classes="screen-title")
            yield Static(INTRO, classes="hint")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "id", "what it does")
        keymap = getattr(self.app, "_keymap", {})
        for where, bindings in self.groups:
            for binding in bindings:
                key = keymap.get(binding.id or "", binding.key)
                table.add_row(
                    where,
                    Text(display_key(key), style="bold"),
                    binding.id,
                    binding.tooltip or binding.description,
                )
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
