"""Help (`?`): every key, what it does and its binding id (for [ui] keymap), then the
legend of every symbol the monitor draws. Scrolls; long lines wrap, never cut."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from chipwatch.tui.words import LEGEND

INTRO = (
    'Keys can be remapped by id in config.toml, e.g. [ui.keymap] refresh = "ctrl+r". '
    "ctrl+p searches every action."
)

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "asterisk": "*",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "backslash": "\\",
    "escape": "esc",
    "delete": "del",
    "pagedown": "pgdn",
    "pageup": "pgup",
}


def display_key(key: str) -> str:
    """``question_mark`` → ``?`` and so on, for people."""
    return ",".join(KEY_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


KEY_WIDTH = 9
ID_WIDTH_MAX = 20

BindingGroups = Sequence[tuple[str, list[Binding]]]


def keys_table(bindings: list[Binding], keymap: dict[str, str], id_width: int) -> Table:
    """One group's keys: key, what it does (wrapping), id (dim; the same width in
    every group, so the columns line up down the screen)."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column("key", style="bold", width=KEY_WIDTH, no_wrap=True)
    table.add_column("what it does", ratio=1)
    table.add_column("id", style="dim", width=id_width, overflow="fold")
    for binding in bindings:
        key = keymap.get(binding.id or "", binding.key)
        table.add_row(
            Text(display_key(key)),
            Text(binding.tooltip or binding.description),
            Text(binding.id or ""),
        )
    return table


def legend_table() -> Table:
    """Every symbol and its one meaning (the README shows the same list)."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column("symbol", style="bold", width=KEY_WIDTH, no_wrap=True)
    table.add_column("meaning", ratio=1)
    for symbol, meaning in LEGEND:
        table.add_row(Text(symbol), Text(meaning))
    return table


def help_body(groups: BindingGroups, keymap: dict[str, str]) -> RenderableType:
    """The whole help text: the intro, a heading and table per group, the legend."""
    parts: list[RenderableType] = [Text(INTRO, style="italic")]
    ids = [b.id or "" for _where, bindings in groups for b in bindings]
    id_width = min(ID_WIDTH_MAX, max((len(i) for i in ids), default=8))
    for where, bindings in groups:
        table = keys_table(bindings, keymap, id_width)
        parts += [Text(f"\n{where}", style="bold underline"), table]
    parts += [Text("\nsymbols", style="bold underline"), legend_table()]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """The keys, group by group, and the legend; scrolls; closes on esc, q or ?."""

    BINDINGS = [
        Binding(
            "escape,q,question_mark",
            "dismiss",
            "Close",
            id="help.close",
            tooltip="Close the help",
        ),
    ]

    def __init__(self, groups: BindingGroups) -> None:
        super().__init__()
        self.groups = groups
        self.rows: list[tuple[str, str, str, str]] = []
        """(where, key, id, what it does) as shown, for tests and the palette."""

    def compose(self) -> ComposeResult:
        keymap = getattr(self.app, "_keymap", {})
        self.rows = [
            (
                where,
                display_key(keymap.get(b.id or "", b.key)),
                b.id or "",
                b.tooltip or b.description,
            )
            for where, bindings in self.groups
            for b in bindings
        ]
        with Vertical(id="help-dialog", classes="dialog") as dialog:
            dialog.border_title = "chipwatch · keys and symbols"
            dialog.border_subtitle = "↑↓ scroll · esc closes"
            with VerticalScroll(id="help-body"):
                yield Static(help_body(self.groups, keymap), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def unknown_keymap_ids(keymap: dict[str, str], known: set[str]) -> str:
    """One line naming the ``[ui.keymap]`` ids no key has (a typo there changed nothing,
    silently), with the closest known id; "" when every id is known."""
    import difflib

    unknown = [name for name in keymap if name not in known]
    if not unknown:
        return ""
    said = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        said.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"[ui.keymap]: no key has the id {', '.join(said)}; ? lists every id"
