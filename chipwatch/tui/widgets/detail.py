"""The detail pane: one story, every article, highlighted entities and watched words,
and why each article joined the story (drawn by :mod:`.story_drawing`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from chipwatch.store.views import ArticleView, StoryView
from chipwatch.tui.messages import ReaderWanted
from chipwatch.tui.widgets.story_drawing import Drawing, draw_story
from chipwatch.tui.widgets.strips import blank_strip, line_strip, set_virtual_size
from chipwatch.tui.words import (
    plural,
)


class DetailPane(ScrollView, can_focus=True):
    """Shows one story. ``article_index`` selects an article for open/copy/split.

    Drawn as finished lines (see :func:`draw_story`), so showing a story never asks the
    screen for a layout pass, and a story redrawn by a poll costs one repaint."""

    BINDINGS = [
        Binding(
            "enter",
            "read",
            "Full text",
            show=False,
            id="detail.read",
            tooltip="Read the selected article's full text",
        ),
    ]

    def action_read(self) -> None:
        self.post_message(ReaderWanted())

    def __init__(self, *, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self.story: StoryView | None = None
        self.article_index = 0
        self.watched: tuple[list[str], set[str]] = ([], set())
        self.parts: list[Text] = []
        self._drawing: Drawing | None = None
        self._strips: dict[int, Strip] = {}
        self.empty: Text | None = None  # shown with no story (set by the screen)

    @property
    def plain(self) -> str:
        """What the pane shows, as plain text (for tests and copying)."""
        return "\n".join(part.plain for part in self.parts)

    @property
    def article(self) -> ArticleView | None:
        """The selected article of the shown story."""
        if self.story is None or not self.story.articles:
            return None
        return self.story.articles[min(self.article_index, len(self.story.articles) - 1)]

    @property
    def line_width(self) -> int:
        """The width stories are drawn at."""
        return max(1, self.scrollable_content_region.width)

    def show(
        self,
        story: StoryView | None,
        *,
        keep_article: bool = False,
        drawing: Drawing | None = None,
    ) -> None:
        """Show a story (``None``: nothing selected), with its lines if already drawn."""
        same = story is not None and self.story is not None and story.id == self.story.id
        if same and keep_article and story == self.story and self._drawing is not None:
            return  # a poll re-read it unchanged
        self.story = story
        if not (same and keep_article):
            self.article_index = 0
            self.scroll_home(animate=False, immediate=True)
        self._redraw(drawing)

    def move_article(self, step: int) -> None:
        """Select the next or previous article."""
        if self.story and self.story.articles:
            self.article_index = (self.article_index + step) % len(self.story.articles)
            self._redraw()
            self.scroll_to(y=self._article_offset(), animate=False, immediate=True)

    def _article_offset(self) -> int:
        """The line where the selected article's rule is drawn (0 for the first)."""
        if self.article_index == 0 or self._drawing is None:
            return 0
        offsets = self._drawing.offsets
        return offsets[min(self.article_index, len(offsets) - 1)]

    def _redraw(self, drawing: Drawing | None = None) -> None:
        story = self.story
        fits = (
            drawing is not None
            and drawing.story_id == (story.id if story else None)
            and drawing.width == self.line_width
            and drawing.article_index == self.article_index
        )
        if not fits:
            drawing = draw_story(
                story,
                width=self.line_width,
                article_index=self.article_index,
                watched=self.watched,
                now=self._clock(),
                monochrome=self.app.no_color,
                empty=self.empty,
            )
        assert drawing is not None
        self._drawing = drawing
        self.parts = list(drawing.texts)
        self._strips.clear()
        count = len(story.articles) if story else 0
        self.border_title = f"Story · {plural(count, 'article')}" if story else "Story"
        set_virtual_size(self, Size(self.line_width, len(drawing.lines)))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self._drawing is not None and self._drawing.width != self.line_width:
            self._redraw()

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        index = y + round(self.scroll_offset.y)
        lines = self._drawing.lines if self._drawing else ()
        if not 0 <= index < len(lines):
            return blank_strip(width, self.rich_style)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = line_strip(lines[index], width, self.rich_style)
        return strip
