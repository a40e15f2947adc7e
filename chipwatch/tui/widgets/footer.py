"""The key footer, rebuilt once per burst of binding changes.

Textual's Footer recomposes every key on each bindings change (focus moves, screen
pushes, keymap updates), about 20 ms each; at start-up four such changes cost ~0.1 s
of the first paint. This footer queues one rebuild for a burst, and rebuilds only when
the keys it would show differ from the ones it shows (moving focus between panes whose
keys are all hidden changes nothing).

It never shows a key cut in half: the keys that do not fit before the command palette's
key are left out whole, from the last (the least important) on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class CalmFooter(Footer):
    """A Footer whose rebuilds coalesce: one per refresh, however many changes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_queued = False
        self._shown: tuple[object, ...] | None = None
        # keys composed with the footer itself, so they are in the screen's first
        # layout; the base class composes none until the first bindings change and then
        # recomposes, a layout pass of its own after the first paint
        self.set_reactive(Footer._bindings_ready, True)

    def compose(self) -> ComposeResult:
        self._shown = self._signature()
        yield from super().compose()

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit_keys)

    def on_resize(self) -> None:
        self.fit_keys()

    def fit_keys(self) -> None:
        """Show the keys that fit whole before the palette's key, in order; hide the rest."""
        keys = list(self.query(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        room = self.size.width - sum(_width(key) for key in palette)
        used, fits = 0, True
        for key in keys:
            if key in palette:
                continue
            used += _width(key)
            label = key.render().plain  # its trailing blank may go under the palette's border
            fits = fits and used - (len(label) - len(label.rstrip())) <= room
            key.display = fits

    def bindings_changed(self, screen: Screen) -> None:
        """Queue one rebuild after the next refresh (the base class queues one per call)."""
        self._bindings_ready = True
        if not screen.app.app_focus or self._rebuild_queued:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        if not self.is_attached:
            return
        shown = self._signature()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
            self.fit_keys()

    def _signature(self) -> tuple[object, ...]:
        """What the footer would show: each visible key, its label and state."""
        keys = tuple(
            (
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )
        return (keys, self.compact, self.show_command_palette)


def _width(key: FooterKey) -> int:
    """The cells ``key`` takes in the row: its label, padding, border and margins."""
    styles = key.styles
    border = sum(1 for edge in (styles.border_left, styles.border_right) if edge[0])
    return (
        cell_len(key.render().plain)
        + styles.padding.left
        + styles.padding.right
        + styles.margin.left
        + styles.margin.right
        + border
    )
