"""The lines the monitor draws by hand (render_line), built in one place.

Textual's line filters read the style of every segment: with ``NO_COLOR`` set, the
monochrome filter does ``segment.style.color`` and crashed at first paint on a segment
whose style was None. Rich leaves segments unstyled in several places: ``Text.render``
of a Text without spans (it also drops the Text's own style there), the padding of
``Strip.extend_cell_length`` and ``Strip.blank`` without a style. Every Strip a widget
of ours returns goes through these helpers, so each segment carries a Style.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


def styled(segments: Iterable[Segment], base: Style) -> list[Segment]:
    """The segments over ``base`` (their own style wins), none left without a Style.

    Control segments (cursor moves, bells) have no place in a drawn line: dropped."""
    return [
        Segment(text, base + style if style is not None else base)
        for text, style, control in segments
        if not control
    ]


def line_strip(segments: Iterable[Segment], width: int, base: Style) -> Strip:
    """One screen line exactly ``width`` cells wide, padded and cut, every cell styled."""
    return Strip(styled(segments, base)).extend_cell_length(width, base).crop(0, width)


def text_strip(text: Text, console: Console, width: int, base: Style) -> Strip:
    """One line of ``text`` (no wrapping) over ``base``, with the Text's own style kept."""
    own = console.get_style(text.style, default=Style.null()) if text.style else Style.null()
    return line_strip(text.render(console), width, base + own)


def blank_strip(width: int, base: Style) -> Strip:
    """An empty line in the widget's style."""
    return Strip([Segment(" " * max(0, width), base)], max(0, width))


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Set a line view's scrollable size, without a layout pass when its scrollbar stays
    as it is: a layout re-arranges and repaints the whole screen, which during a flood
    of live rows was the monitor's longest stall."""
    if size == view.virtual_size:
        return
    keeps_scrollbar = (
        view.show_vertical_scrollbar
        and size.width == view.virtual_size.width
        and size.height > view.container_size.height
    )
    if not keeps_scrollbar:
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)
    view.refresh()
