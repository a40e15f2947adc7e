"""The detail pane: one story, every article, highlighted entities and watched words,
and why each article joined the story (the clustering explanation)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from rich.console import Group
from rich.padding import Padding
from rich.rule import Rule
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from chipwatch.store.views import ArticleView, Span, StoryView
from chipwatch.textsafe import clean_text, clean_title, safe_url
from chipwatch.tui.widgets.timeline import short_time

KIND_STYLES = {
    "chip": "bold cyan",
    "company": "bold magenta",
    "agency": "bold yellow",
    "person": "bold green",
    "place": "bold blue",
    "policy": "bold red",
}
WATCH_STYLE = "black on yellow"
SUMMARY_LIMIT = 1200
_QUERY_WORD = re.compile(r'"([^"]+)"|@"([^"]+)"|@(\S+)|([^\s()"]+)')
_OPERATORS = {"and", "or", "not"}


def plural(count: int, word: str) -> str:
    """``1 outlet``, ``3 outlets``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def watched_terms(queries: Iterable[str]) -> tuple[list[str], set[str]]:
    """Plain words and phrases, and ``@entities``, named by the user's watch queries."""
    words: list[str] = []
    entities: set[str] = set()
    for query in queries:
        for phrase, quoted_entity, entity, word in _QUERY_WORD.findall(query):
            if quoted_entity or entity:
                entities.add((quoted_entity or entity).lower())
            elif phrase:
                words.append(phrase)
            else:
                word = word.lstrip("-").rstrip("~")
                if ":" in word:
                    word = word.split(":", 1)[1]
                if len(word) >= 3 and word.lower() not in _OPERATORS:
                    words.append(word)
    return words, entities


def highlighted(
    raw: str,
    spans: Iterable[Span],
    field: str,
    watched: tuple[list[str], set[str]],
    *,
    single_line: bool,
    limit: int | None = None,
) -> Text:
    """Clean feed text as a Text, with entity spans and watched words styled.

    Spans are offsets into the raw text; cleaning may shift them, so each is found
    again by its own characters near its old place."""
    text = clean_text(raw, single_line=single_line, limit=limit)
    out = Text(text)
    words, watched_entities = watched
    for span in spans:
        if span.field != field or span.end <= span.start:
            continue
        needle = raw[span.start : span.end]
        at = text.find(needle, max(0, span.start - 40))
        at = at if at >= 0 else text.find(needle)
        if at >= 0:
            style = (
                WATCH_STYLE
                if span.entity.lower() in watched_entities
                else KIND_STYLES.get(span.kind, "bold")
            )
            out.stylize(style, at, at + len(needle))
    for word in words:
        out.highlight_regex(re.compile(re.escape(word), re.IGNORECASE), WATCH_STYLE)
    return out


def explain_text(article: ArticleView) -> Text:
    """Why the article is in its story, in one or two short lines."""
    explain = article.explain
    out = Text("why: ", style="dim italic")
    if not explain:
        out.append("no clustering record", style="dim")
        return out
    if explain.get("new_story"):
        out.append("started this story", style="italic")
        return out
    out.append(f"joined with score {explain.get('score', 0):.2f}", style="italic")
    shared = explain.get("shared_entities") or []
    if shared:
        out.append(" · shared entities ")
        out.append(", ".join(clean_title(str(e)) for e in shared), style="bold")
    words = explain.get("shared_words") or []
    if words:
        out.append(" · shared words ")
        out.append(", ".join(clean_title(str(w)) for w in words), style="bold")
    parts = explain.get("parts") or {}
    if parts:
        out.append(
            "\n     "
            + " · ".join(f"{clean_title(str(k))} {float(v):.2f}" for k, v in parts.items()),
            style="dim",
        )
    if explain.get("corrected"):
        out.append(" · moved here by you", style="yellow")
    return out


class DetailPane(VerticalScroll, can_focus=True):
    """Shows one story. ``article_index`` selects an article for open/copy/split."""

    def __init__(self, *, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self.story: StoryView | None = None
        self.article_index = 0
        self.watched: tuple[list[str], set[str]] = ([], set())
        self._body = Static("Select a story.", id="detail-body")
        self.parts: list[Text] = []
        self._drawn: list[object] = []

    def compose(self):
        yield self._body

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

    def show(self, story: StoryView | None, *, keep_article: bool = False) -> None:
        """Show a story (``None``: nothing selected)."""
        same = story is not None and self.story is not None and story.id == self.story.id
        self.story = story
        if not (same and keep_article):
            self.article_index = 0
            self.scroll_home(animate=False)
        self._redraw()

    def move_article(self, step: int) -> None:
        """Select the next or previous article."""
        if self.story and self.story.articles:
            self.article_index = (self.article_index + step) % len(self.story.articles)
            self._redraw()
            self.scroll_to(y=self._article_offset(), animate=False)

    def _article_offset(self) -> int:
        """The line where the selected article's heading is drawn (0 for the first)."""
        if self.article_index == 0:
            return 0
        width = max(1, self.scrollable_content_region.width)
        options = self.app.console.options.update_width(width)
        before = self._drawn[: 1 + 3 * self.article_index]
        return sum(len(self.app.console.render_lines(part, options, pad=False)) for part in before)

    def _redraw(self) -> None:
        story = self.story
        if story is None:
            self._body.update(Text("Select a story.", style="dim"))
            self.border_title = "Story"
            return
        self.border_title = f"Story · {plural(len(story.articles), 'article')}"
        parts: list[object] = [self._header(story)]
        texts = [parts[0]]
        for index, article in enumerate(story.articles):
            head, body = self._article(index, article, index == self.article_index)
            parts += [Rule(style="dim"), head, Padding(body, (0, 0, 0, 2))]
            texts += [head, body]
        self.parts = texts
        self._drawn = parts
        self._body.update(Group(*parts))

    def _header(self, story: StoryView) -> Text:
        now = self._clock()
        head = Text(clean_title(story.title), style="bold")
        head.append("\n")
        langs = " ".join(story.languages)
        head.append(
            f"{plural(story.outlet_count, 'outlet')} · {langs} · first "
            f"{short_time(story.first_seen, now)} · updated "
            f"{short_time(story.last_updated, now)} UTC",
            style="dim",
        )
        if story.pinned:
            head.append("  ★ pinned", style="yellow")
        for watch in story.alerts:
            head.append("  ! ", style="bold yellow")
            head.append(clean_title(watch), style="bold yellow")
        return head

    def _article(self, index: int, article: ArticleView, selected: bool) -> tuple[Text, Text]:
        """(heading line, indented body) of one article."""
        head = Text()
        head.append("▶ " if selected else "  ", style="bold green")
        head.append(clean_title(article.feed_name), style="bold underline" if selected else "bold")
        head.append(
            f" · {article.lang} · {article.published[:10]} {article.published[11:16]} UTC"
            f"  ({index + 1}/{len(self.story.articles) if self.story else 1})",
            style="dim",
        )
        out = Text()
        out.append_text(
            highlighted(
                article.title, article.spans, "title", self.watched, single_line=True, limit=500
            )
        )
        url = safe_url(article.url)
        out.append("\n")
        out.append(
            url or clean_title(article.url) or "(no link)",
            style=Style(color="blue", underline=bool(url), link=url or None),
        )
        summary = highlighted(
            article.summary,
            article.spans,
            "summary",
            self.watched,
            single_line=False,
            limit=SUMMARY_LIMIT,
        )
        if summary.plain:
            out.append("\n")
            out.append_text(summary)
        out.append("\n")
        out.append_text(explain_text(article))
        return head, out
