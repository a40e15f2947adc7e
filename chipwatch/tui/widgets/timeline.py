"""The timeline: stories newest first, as a virtual list.

Only the loaded pages are held (a few hundred rows, loaded on demand as the cursor
nears the end) and only the visible lines are rendered, so a 100,000-article store
paints as fast as a small one.

Live updates depend on where the reader is. Following the top (the view scrolled to
the top and the cursor put there, by ``n``/Home, a fresh load, or live rows that landed
above it since), new stories appear at the top *in view* and the cursor stays on the
story it was on, so the detail pane the reader has open never changes under them.
Scrolled down reading, the selected story keeps its screen line: rows that arrive above
it shift the scroll position with it, and only the counter grows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from chipwatch.store.views import TimelineRow
from chipwatch.tui.messages import MoreRowsWanted, StoryChosen, StoryHighlighted
from chipwatch.tui.widgets.strips import blank_strip, set_virtual_size, text_strip
from chipwatch.tui.widgets.timeline_draw import RowStyles, columns, header_text, row_text

HEADER_LINES = 1
LOAD_AHEAD = 40  # ask for the next page when the cursor is this close to the end
STRIP_CACHE_SIZE = 400  # rendered rows kept (a few screens)


class Timeline(ScrollView, can_focus=True):
    """Stories newest first, with a cursor; posts messages, never loads by itself."""

    BINDINGS = [
        Binding(
            "down,j", "cursor_down", "Down", show=False, id="timeline.down", tooltip="Next story"
        ),
        Binding("up,k", "cursor_up", "Up", show=False, id="timeline.up", tooltip="Previous story"),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="timeline.page_down",
            tooltip="A screen of older stories",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="timeline.page_up",
            tooltip="A screen of newer stories",
        ),
        Binding(
            "home,g",
            "first",
            "Newest",
            show=False,
            id="timeline.first",
            tooltip="The newest story",
        ),
        Binding(
            "end,G",
            "last",
            "Oldest loaded",
            show=False,
            id="timeline.last",
            tooltip="The oldest story loaded so far",
        ),
        Binding(
            "enter",
            "choose",
            "Open",
            show=False,
            id="timeline.open",
            tooltip="Read the story: mark it read and move to the story pane",
        ),
    ]
    COMPONENT_CLASSES = {
        "timeline--cursor",
        "timeline--unread",
        "timeline--read",
        "timeline--new",
        "timeline--alert",
        "timeline--meta",
        "timeline--entities",
    }

    cursor: reactive[int] = reactive(0, repaint=True, init=False)
    """Index of the selected row in the loaded rows."""
    new_count: reactive[int] = reactive(0, init=False)
    """Stories that arrived since the user last looked at the top of the timeline."""

    def __init__(self, *, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self.rows: list[TimelineRow] = []
        self.has_more = False
        self.fresh: set[int] = set()
        self._asked_before: tuple[str, int] | None = None
        self.following = True
        """Whether the reader follows the top: live rows then appear in view."""
        self._strips: dict[tuple[object, ...], Strip] = {}
        self._strips_day: object = None

    # ------------------------------------------------------------------ data in

    @property
    def selected(self) -> TimelineRow | None:
        """The row under the cursor, if any."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def set_rows(
        self, rows: list[TimelineRow], *, has_more: bool, select: int | None = None
    ) -> None:
        """Replace everything (a new window or filter): the cursor goes back to the top,
        or stays on the story ``select`` when it is among the rows."""
        self.rows = list(rows)
        self.has_more = has_more
        self.fresh.clear()
        self.new_count = 0
        self._asked_before = None
        self.following = True
        self._resize()
        self.scroll_to(0, 0, animate=False, immediate=True)
        if select is None or not self.select_story(select):
            self.cursor = 0
        self._announce()

    def select_story(self, story_id: int) -> bool:
        """Put the cursor on a story if it is loaded (True), scrolled into view."""
        index = next((i for i, r in enumerate(self.rows) if r.id == story_id), None)
        if index is None:
            return False
        self.following = index == 0
        self.set_reactive(Timeline.cursor, index)
        self.scroll_to_region_line(index)
        self.refresh()
        return True

    def remove_rows(self, story_ids: Iterable[int]) -> int:
        """Drop stories (merged into another); the cursor stays on its story or, when
        that one went, on the row that took its place. Returns how many went."""
        gone = set(story_ids)
        anchor = self.selected
        before = len(self.rows)
        self.rows = [r for r in self.rows if r.id not in gone]
        self.fresh -= gone
        if anchor is not None and anchor.id not in gone:
            self.select_story(anchor.id)
        else:
            self.set_reactive(Timeline.cursor, self.validate_cursor(self.cursor))
        self._resize()
        self.refresh()
        return before - len(self.rows)

    def append_rows(self, rows: list[TimelineRow], *, has_more: bool) -> None:
        """Add an older page below the loaded rows."""
        known = {r.id for r in self.rows}
        self.rows.extend(r for r in rows if r.id not in known)
        self.has_more = has_more
        self._resize()
        self.refresh()

    def upsert_rows(self, rows: Iterable[TimelineRow], *, arrived: bool = True) -> int:
        """Insert new stories and refresh changed ones, keeping the selected story on the
        same screen line. Returns how many stories were new to the timeline.

        ``arrived``: the new ones came with a poll (counted and marked as new); a story
        made by a split did not."""
        anchor = self.selected
        follow = self.at_top
        screen_line = self.cursor - round(self.scroll_offset.y)
        by_id = {r.id: r for r in self.rows}
        added = 0
        oldest = self.rows[-1].sort_key if self.rows and self.has_more else None
        for row in rows:
            if row.id not in by_id:
                if oldest is not None and row.sort_key < oldest:
                    continue  # it will arrive with its page
                added += 1
                if arrived:
                    self.fresh.add(row.id)
            by_id[row.id] = row
        self.rows = sorted(by_id.values(), key=lambda r: r.sort_key, reverse=True)
        self._resize()
        self._restore(anchor, 0 if follow else screen_line, follow=follow)
        if added and arrived:
            self.new_count += added
        return added

    def replace_row(self, row: TimelineRow) -> None:
        """Swap one row in place (read, pinned) without reordering."""
        for index, old in enumerate(self.rows):
            if old.id == row.id:
                self.rows[index] = row
                self.refresh()
                return

    @property
    def at_top(self) -> bool:
        """Whether the reader follows the top of the timeline: scrolled to the top, with
        the cursor on the first row or carried down only by live rows since."""
        return round(self.scroll_offset.y) == 0 and (self.cursor == 0 or self.following)

    def _restore(self, anchor: TimelineRow | None, screen_line: int, *, follow: bool) -> None:
        """Put the cursor back on ``anchor``: at the top when following, else on the
        same screen line (the scroll moves with the rows that arrived above it)."""
        if anchor is None:  # the timeline was empty: select the first story to arrive
            self.refresh()
            self._announce()
            return
        index = next((i for i, r in enumerate(self.rows) if r.id == anchor.id), 0)
        self.set_reactive(Timeline.cursor, index)
        self.following = follow
        top = 0 if follow else max(0, index - screen_line)
        self.scroll_to(y=top, animate=False, immediate=True)
        self.refresh()

    def _resize(self) -> None:
        set_virtual_size(self, Size(self.size.width, len(self.rows) + HEADER_LINES))

    # ------------------------------------------------------------------ moving

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.rows:
            return
        self.scroll_to_region_line(new)
        self.following = new == 0  # the reader moved: follow the top only from row 0
        if new == 0 and self.new_count:
            self.new_count = 0
        self._announce()
        if self.has_more and new >= len(self.rows) - LOAD_AHEAD:
            self._ask_more()

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def scroll_to_region_line(self, line: int) -> None:
        """Scroll just enough to keep ``line`` visible."""
        top = round(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height - HEADER_LINES)
        if line < top:
            self.scroll_to(y=line, animate=False, immediate=True)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(StoryHighlighted(row.id))

    def _ask_more(self) -> None:
        before = self.rows[-1].sort_key
        if before != self._asked_before:
            self._asked_before = before
            self.post_message(MoreRowsWanted(before))

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - HEADER_LINES - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - HEADER_LINES - 1)

    def action_first(self) -> None:
        self.cursor = 0
        self.following = True
        self.new_count = 0
        self.fresh.clear()
        self.refresh()

    def action_last(self) -> None:
        self.cursor = len(self.rows) - 1

    def action_choose(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(StoryChosen(row.id))

    def on_click(self, event: events.Click) -> None:
        index = event.y - HEADER_LINES + round(self.scroll_offset.y)
        if event.y >= HEADER_LINES and 0 <= index < len(self.rows):
            if index == self.cursor and event.chain > 1:
                self.action_choose()
            self.cursor = index

    def on_resize(self, event: events.Resize) -> None:
        self._resize()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        visible_end = round(new) + self.scrollable_content_region.height - HEADER_LINES
        if self.has_more and self.rows and visible_end >= len(self.rows) - LOAD_AHEAD:
            self._ask_more()

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:  # a sticky header line naming the columns
            return text_strip(self.header_text(width), self.app.console, width, self.rich_style)
        index = y - HEADER_LINES + round(self.scroll_offset.y)
        if not 0 <= index < len(self.rows):
            return blank_strip(width, self.rich_style)
        row = self.rows[index]
        day = self._clock().date()  # the time column reads differently on another day
        if day != self._strips_day:
            self._strips.clear()
            self._strips_day = day
        # rows shift down as live stories arrive: a row drawn before is drawn again
        # from the cache, so a refresh costs the new rows only
        key = (row, index == self.cursor, row.id in self.fresh, width, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) >= STRIP_CACHE_SIZE:
                self._strips.clear()
            strip = self._strips[key] = self._row_strip(row, index, width)
        return strip

    def _row_strip(self, row: TimelineRow, index: int, width: int) -> Strip:
        return text_strip(
            self.row_text(row, width), self.app.console, width, self._row_style(row, index)
        )

    def notify_style_update(self) -> None:
        self._strips.clear()  # a theme or focus style changed the colours
        super().notify_style_update()

    def _row_style(self, row: TimelineRow, index: int) -> Style:
        style = self.rich_style
        name = "timeline--read" if row.read else "timeline--unread"
        style += self.get_component_rich_style(name, partial=True)
        if index == self.cursor:
            style += self.get_component_rich_style("timeline--cursor", partial=False)
        return style

    def _columns(self, width: int) -> tuple[int, int]:
        return columns(width)

    def header_text(self, width: int) -> Text:
        """Column names, aligned with :meth:`row_text`."""
        return header_text(width, self.get_component_rich_style("timeline--meta", partial=True))

    def row_text(self, row: TimelineRow, width: int) -> Text:
        """One row's cells (:func:`.timeline_draw.row_text`)."""
        style = self.get_component_rich_style
        styles = RowStyles(
            meta=style("timeline--meta", partial=True),
            new=style("timeline--new", partial=True),
            alert=style("timeline--alert", partial=True),
            entities=style("timeline--entities", partial=True),
        )
        on_cursor = bool(self.rows) and row is self.selected
        return row_text(
            row, width, styles, now=self._clock(), fresh=row.id in self.fresh, on_cursor=on_cursor
        )
