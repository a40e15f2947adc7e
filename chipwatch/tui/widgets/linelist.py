"""An OptionList for the side panes that a live poll can rebuild cheaply.

Textual's ``OptionList.set_options`` throws every option away: each new one is turned
into a visual and measured for its height, the list's ``virtual_size`` changes (a
reactive that lays the whole screen out again) and every visible line is rendered
afresh. During a flood of poll batches that was ~15-20 ms per rebuild of the entity
and alert lists, on top of a timeline repaint in the same frame.

Here every option is exactly ``OPTION_LINES`` lines high, so nothing is measured; an
option whose key (the data it shows) is unchanged is reused with its visual, and its
lines are drawn from a cache; the scrollable size changes without a layout pass unless
the scrollbar appears or goes. What the list looks like and how it behaves (keys, mouse,
highlight, messages) is OptionList's own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from chipwatch.tui.widgets.strips import blank_strip, set_virtual_size

STRIP_CACHE_SIZE = 300  # rendered options kept (each one or two strips)


class LineOptionList(OptionList):
    """An OptionList of fixed-height options, replaced in place by :meth:`replace_options`.

    A prompt taller than ``OPTION_LINES`` is cut to that many lines, never wrapped."""

    OPTION_LINES = 1

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._by_key: dict[Hashable, Option] = {}
        self._strips: dict[tuple[object, ...], list[Strip]] = {}

    def replace_options(self, keyed: Iterable[tuple[Hashable, Callable[[], Option]]]) -> None:
        """Show these options, in order: ``(key, make)`` pairs, where ``key`` stands for
        what the option shows and ``make`` builds it when that key was not shown before.

        Ends as ``set_options`` does: nothing highlighted, scrolled to the top."""
        previous, self._by_key = self._by_key, {}
        options: list[Option] = []
        for key, make in keyed:
            option = previous.get(key)
            if option is None:
                option = make()
            self._by_key[key] = option
            options.append(option)
        self._options[:] = options
        self._option_to_index.clear()
        self._option_to_index.update((option, index) for index, option in enumerate(options))
        self._id_to_option.clear()
        self._id_to_option.update((o.id, o) for o in options if o.id is not None)
        self._line_cache.clear()
        self._option_render_cache.clear()
        self.highlighted = 0 if options and self.has_focus else None
        self.scroll_y = 0
        if self.is_mounted:
            # a list sized by its content (height: auto) must be laid out again
            self.refresh(layout=self.styles.auto_dimensions)
            self._update_lines()

    def _update_lines(self) -> None:
        """Line bookkeeping without measuring options (each is ``OPTION_LINES`` high)."""
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        start = lines[-1][0] + 1 if lines else 0
        height = self.OPTION_LINES
        for index in range(start, len(self._options)):
            cache.index_to_line[index] = len(lines)
            cache.heights[index] = height
            lines.extend((index, offset) for offset in range(height))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        size = Size(width, len(lines))
        if size != self.virtual_size:
            set_virtual_size(self, size)

    def on_focus(self) -> None:
        """A focused list always has a selection: keys act on it without an arrow
        press first."""
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._options) * self.OPTION_LINES

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        """OptionList's rendering, kept across rebuilds while the option, its place
        (the strips carry its index for the mouse), the style and the width stay."""
        width = self.scrollable_content_region.width
        key = (option, self._option_to_index[option], style, width)
        strips = self._strips.get(key)
        if strips is None:
            if len(self._strips) >= STRIP_CACHE_SIZE:
                self._strips.clear()
            strips = super()._get_option_render(option, style)
            while len(strips) < self.OPTION_LINES:
                strips.append(blank_strip(width - self._get_left_gutter_width(), style.rich_style))
            self._strips[key] = strips
        return strips

    def notify_style_update(self) -> None:
        self._strips.clear()  # a theme or focus change: colours differ
        super().notify_style_update()
