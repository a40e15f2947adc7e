"""The reader: one article's full text inside the monitor (`v`, or Enter on the story pane).

The page's text comes from the store when it was read before (``article_texts``: the
reader's own earlier fetches, and a ``full_text`` feed's pages); otherwise it is fetched
in a thread worker with the feed fetcher's limits and extracted there
(:func:`chipwatch.ingest.pages.load_page`), then stored: the event loop only shows the
result. The text is data: it is drawn from ``Text`` objects, never markup. When the
page cannot be read, a plain reason shows above the feed's summary, and `o` opens the
article in the browser. `[` / `]` move between the story's articles, `r` fetches the
page again (conditionally), Esc goes back with that article selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from chipwatch.ingest.pages import extractor_name, load_page
from chipwatch.model import ArticleText
from chipwatch.store.fulltext import get_text, save_texts
from chipwatch.store.views import ArticleView, StoryView
from chipwatch.textsafe import clean_text, clean_title, safe_url
from chipwatch.timeutil import from_iso, full_when
from chipwatch.tui import store_workers as sw
from chipwatch.tui.links import LinkActions
from chipwatch.tui.widgets.footer import CalmFooter
from chipwatch.tui.widgets.story_drawing import SUMMARY_LIMIT, highlighted

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

Watched = tuple[list[str], set[str]]


@dataclass(frozen=True)
class Shown:
    """What the reader shows for one article: its text, or why there is none."""

    text: ArticleText | None = None  # None: still loading
    note: str = ""  # e.g. a reload that failed while the stored text is shown


class ReaderScreen(LinkActions, sw.ReportsWorkerErrors, Screen[int]):
    """An article's full text; dismissed with the index of the article shown last."""

    app: ChipwatchApp

    DEFAULT_CSS = """
    ReaderScreen #reader-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    ReaderScreen #reader-scroll {
        height: 1fr;
        align-horizontal: center;
        scrollbar-size-vertical: 1;
    }
    ReaderScreen #reader-body {
        width: 100%;
        max-width: 100;
        padding: 1 2;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Back", id="reader.back", tooltip="Back to the story"),
        Binding(
            "o", "open_link", "Open", id="reader.open", tooltip="Open the article in the browser"
        ),
        Binding(
            "left_square_bracket",
            "move(-1)",
            "Previous",
            id="reader.previous",
            tooltip="The story's previous article",
        ),
        Binding(
            "right_square_bracket",
            "move(1)",
            "Next",
            id="reader.next",
            tooltip="The story's next article",
        ),
        Binding(
            "r",
            "reload",
            "Reload",
            id="reader.reload",
            tooltip="Fetch the page again (asks the server whether it changed)",
        ),
        Binding(
            "c",
            "copy_link",
            "Copy link",
            show=False,
            id="reader.copy",
            tooltip="Copy the article's link",
        ),
    ]

    def __init__(self, story: StoryView, index: int, watched: Watched = ([], set())) -> None:
        super().__init__()
        self.story = story
        self.index = max(0, min(index, len(story.articles) - 1))
        self.watched = watched
        self.shown = Shown()
        self._generation = 0

    @property
    def article(self) -> ArticleView:
        return self.story.articles[self.index]

    @property
    def plain(self) -> str:
        """What the reader shows, as plain text (tests)."""
        return self.body_text().plain

    def compose(self) -> ComposeResult:
        yield Static(id="reader-title")
        with VerticalScroll(id="reader-scroll"):
            yield Static(id="reader-body")
        yield CalmFooter()

    def on_mount(self) -> None:
        self.show_article()
        self.query_one("#reader-scroll").focus()

    # ------------------------------------------------------------------ showing

    def show_article(self, *, reload: bool = False) -> None:
        """Show the current article (loading), and read or fetch its text."""
        self._generation += 1
        self.shown = Shown()
        self._draw()
        self.query_one("#reader-scroll", VerticalScroll).scroll_home(animate=False)
        url = safe_url(self.article.url)
        if not url:
            self._show(self._generation, Shown(note="This article has no web link."))
            return
        self.load(self._generation, self.article, reload=reload)

    def _draw(self) -> None:
        article, count = self.article, len(self.story.articles)
        title = Text(f"Reader · {clean_title(article.feed_name)} · {article.lang}")
        if count > 1:
            title.append(f" · article {self.index + 1} of {count} · [ ] to move", style="dim")
        self.query_one("#reader-title", Static).update(title)
        self.query_one("#reader-body", Static).update(self.body_text())

    def body_text(self) -> Text:
        """The article as drawn: title, link, where the text came from, the text."""
        article, shown = self.article, self.shown
        out = Text()
        out.append(clean_title(article.title) or "(untitled)", style="bold")
        # the link on a line of its own: after "UTC · " a long one wrapped, leaving the dot
        out.append(f"\n{full_when(from_iso(article.published))}\n", style="dim")
        url = safe_url(article.url)
        if url:  # without one, the note below says so
            out.append(url, style=Style(underline=True, link=url))
            out.append("\n")
        out.append("\n")
        text = shown.text
        if text is not None and text.ok:
            out.append(_source(text), style="dim italic")
            if shown.note:
                out.append(f"\n{shown.note}", style="bold")
            out.append("\n\n")
            out.append_text(
                highlighted(text.text, article.spans, "body", self.watched, single_line=False)
            )
            return out
        if text is None and not shown.note:
            out.append("Loading the full text…", style="dim italic")
        else:
            reason = shown.note or f"Could not load the full text: {text.error if text else ''}"
            out.append(clean_text(reason, single_line=True), style="bold")
            if url:
                out.append("\no opens the article in the browser · r tries again", style="dim")
        summary = clean_text(article.summary, limit=SUMMARY_LIMIT)
        if summary:
            out.append("\n\nThe feed's summary:\n", style="dim")
            out.append(summary)
        return out

    def _show(self, generation: int, shown: Shown) -> None:
        if generation == self._generation:  # a result for an article no longer shown: dropped
            self.shown = shown
            self._draw()

    # ------------------------------------------------------------------ loading

    @work(thread=True, exit_on_error=False, group="reader")
    def load(self, generation: int, article: ArticleView, *, reload: bool = False) -> None:
        """The stored text, else the page fetched, extracted and stored (in a thread)."""
        try:
            self._load(generation, article, reload=reload)
        except Exception as exc:  # the store failed: say so where the text would be
            note = f"Could not load the full text: {exc or type(exc).__name__}"
            self.app.call_from_thread(self._show, generation, Shown(note=note))

    def _load(self, generation: int, article: ArticleView, *, reload: bool) -> None:
        app = self.app
        cached = sw.read(app.db_path, lambda db: get_text(db, article.url))
        current = cached is not None and cached.ok and cached.extractor == extractor_name()
        if current and not reload:
            app.call_from_thread(self._show, generation, Shown(cached))
            return
        text = load_page(
            app.config.poll, article.url, feed_url=article.feed_url, cached=cached, now=app.clock()
        )
        if not text.ok and cached is not None and cached.ok:
            # a failed reload never replaces a good text: show it, say what happened
            note = f"Could not reload the page: {text.error}"
            app.call_from_thread(self._show, generation, Shown(cached, note))
            return
        sw.write(app.db_path, lambda db: save_texts(db, [text]))
        app.call_from_thread(self._show, generation, Shown(text))

    # ------------------------------------------------------------------ actions

    def action_close(self) -> None:
        self.dismiss(self.index)

    def action_move(self, step: int) -> None:
        count = len(self.story.articles)
        if count < 2:
            self.notify("This story has one article.", timeout=3)
            return
        self.index = (self.index + step) % count
        self.show_article()

    def action_reload(self) -> None:
        self.show_article(reload=True)

    def action_open_link(self) -> None:
        url = safe_url(self.article.url)
        if not url:
            self.notify("This article has no web link.", severity="warning")
            return
        self.open_in_browser(url)

    def action_copy_link(self) -> None:
        url = safe_url(self.article.url)
        if url:
            self.copy_link(url)


def _source(text: ArticleText) -> str:
    """Where the text came from, in one dim line."""
    stamp = text.fetched_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"The page's text, fetched {stamp} ({text.extractor})"
