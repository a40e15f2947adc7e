"""A story laid out as finished lines: its header, every article with highlighted
entities and watched words, and why each article joined the story (the clustering
explanation). Pure, so the detail worker draws in its thread and the event loop only
copies lines (:class:`~.detail.DetailPane` shows them)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from chipwatch.clustering.explanation import Explanation
from chipwatch.clustering.explanation_words import context_of, describe
from chipwatch.store.views import ArticleView, Span, StoryView
from chipwatch.textsafe import clean_text, clean_title, safe_url
from chipwatch.timeutil import from_iso, full_when
from chipwatch.tui.words import (
    ALERTED,
    PINNED,
    SELECTED_ARTICLE,
    headline,
    plural,
    short_time,
    shown_languages,
)

# bright enough to read on the dark panes (7:1 and more on near-black)
KIND_STYLES = {
    "chip": "bold #5fd7ff",
    "company": "bold #ff87d7",
    "agency": "bold #ffd75f",
    "person": "bold #87d787",
    "place": "bold #87afff",
    "policy": "bold #ff8787",
}
WATCH_STYLE = "black on yellow"
LINK_COLOUR = "#87afff"


@dataclass(frozen=True)
class Highlights:
    """How entities, watched words and links stand out. With NO_COLOR the monitor's
    colours turn to greys by luminance, and a magenta or blue name on black became
    near-invisible grey: there they stand out by weight and reverse video instead."""

    kinds: tuple[tuple[str, str], ...]
    watch: str
    link: str

    def kind(self, kind: str) -> str:
        return dict(self.kinds).get(kind, "bold")


COLOURED = Highlights(tuple(KIND_STYLES.items()), WATCH_STYLE, LINK_COLOUR)
MONOCHROME = Highlights((), "reverse bold", "")
WHY_STYLES = {"lead": "italic", "label": "", "names": "bold", "note": "yellow", "missing": "dim"}
SUMMARY_LIMIT = 1200
BODY_CACHE_SIZE = 128  # articles' drawn bodies kept: a few stories (draw_story runs in threads)
_BODIES: dict[tuple[object, ...], tuple[Text, list[tuple[Segment, ...]]]] = {}


def highlighted(
    raw: str,
    spans: Iterable[Span],
    field: str,
    watched: tuple[list[str], set[str]],
    *,
    single_line: bool,
    limit: int | None = None,
    palette: Highlights = COLOURED,
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
                palette.watch
                if span.entity.lower() in watched_entities
                else palette.kind(span.kind)
            )
            out.stylize(style, at, at + len(needle))
    for word in words:
        out.highlight_regex(re.compile(re.escape(word), re.IGNORECASE), palette.watch)
    return out


def explain_text(article: ArticleView) -> Text:
    """Why the article is in its story, in one or two short lines."""
    why = describe(Explanation.from_json(article.explain), context_of(article.explain))
    out = Text("why: ", style="dim italic")
    for text, role in why.pieces:
        out.append(text, style=WHY_STYLES[role])
    if why.signals:
        out.append("\n     " + why.signals, style="dim")
    return out


@dataclass(frozen=True)
class Drawing:
    """A story drawn at one width: the lines, where each article starts, the texts."""

    story_id: int | None
    width: int
    article_index: int
    lines: tuple[tuple[Segment, ...], ...]
    offsets: tuple[int, ...]
    texts: tuple[Text, ...]


def draw_story(
    story: StoryView | None,
    *,
    width: int,
    article_index: int,
    watched: tuple[list[str], set[str]],
    now: datetime,
    monochrome: bool = False,
    empty: Text | None = None,
) -> Drawing:
    """Lay a story out as lines ``width`` cells wide. Pure, so the detail worker runs it
    in its thread: the event loop then only copies finished lines to the screen.
    ``monochrome``: NO_COLOR is set (see :class:`Highlights`); ``empty``: what to say
    when there is no story (the empty timeline's guide)."""
    palette = MONOCHROME if monochrome else COLOURED
    console = Console(
        file=io.StringIO(),
        width=max(1, width),
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    options = console.options.update_width(max(1, width))
    lines: list[tuple[Segment, ...]] = []
    offsets: list[int] = []

    def render(part: RenderableType) -> list[tuple[Segment, ...]]:
        return [tuple(line) for line in console.render_lines(part, options, pad=False)]

    if story is None:
        texts: list[Text] = [empty or Text("Select a story.", style="dim")]
        lines += render(texts[0])
    else:
        texts = [story_header(story, now)]
        lines += render(texts[0])
        rule = render(Rule(style="dim"))
        for index, article in enumerate(story.articles):
            head = article_head(story, index, article, index == article_index)
            body, body_lines = _article_body(article, watched, width, render, palette)
            offsets.append(len(lines))
            lines += rule
            lines += render(head)
            lines += body_lines
            texts += [head, body]
    return Drawing(
        story.id if story else None,
        width,
        article_index,
        tuple(lines),
        tuple(offsets),
        tuple(texts),
    )


def story_header(story: StoryView, now: datetime) -> Text:
    """The story's title, outlets, languages, times, pin, and each alert it raised with
    when it was raised (the alerts pane shows the story's own time)."""
    first = story.articles[0] if story.articles else None
    head = Text(headline(story.title, first.summary if first else ""), style="bold")
    head.append("\n")
    facts = [plural(story.outlet_count, "outlet"), " ".join(shown_languages(story.languages))]
    facts += [
        f"first {short_time(story.first_seen, now)}",
        f"updated {short_time(story.last_updated, now)} UTC",
    ]
    head.append(" · ".join(f for f in facts if f), style="dim")
    if story.pinned:
        head.append(f"  {PINNED} pinned", style="yellow")
    raised = story.alerts_raised or ("",) * len(story.alerts)
    for watch, when in zip(story.alerts, raised, strict=False):
        head.append(f"\n{ALERTED} ", style="bold yellow")
        head.append(clean_title(watch), style="bold yellow")
        if when:
            head.append(f" · raised {full_when(from_iso(when))}", style="dim")
    return head


def _article_body(
    article: ArticleView,
    watched: tuple[list[str], set[str]],
    width: int,
    render: Callable[[RenderableType], list[tuple[Segment, ...]]],
    palette: Highlights = COLOURED,
) -> tuple[Text, list[tuple[Segment, ...]]]:
    """An article's body and its lines, from the cache when it was drawn before at this
    width: a story growing in a live poll costs the new article's lines only."""
    key = (
        article.id,
        article.title,
        article.summary,
        article.url,
        article.spans,
        json.dumps(article.explain, sort_keys=True, default=str),
        tuple(watched[0]),
        frozenset(watched[1]),
        width,
        palette,
    )
    cached = _BODIES.get(key)
    if cached is None:
        body = article_body(article, watched, palette)
        cached = (body, render(Padding(body, (0, 0, 0, 2))))
        if len(_BODIES) >= BODY_CACHE_SIZE:
            _BODIES.clear()
        _BODIES[key] = cached
    return cached


def article_head(story: StoryView, index: int, article: ArticleView, selected: bool) -> Text:
    """An article's heading line: outlet, language, time, its place in the story."""
    head = Text()
    head.append(f"{SELECTED_ARTICLE} " if selected else "  ", style="bold green")
    head.append(clean_title(article.feed_name), style="bold underline" if selected else "bold")
    facts = [*shown_languages([article.lang]), full_when(from_iso(article.published))]
    head.append(
        f" · {' · '.join(facts)}  ({index + 1}/{len(story.articles)})",
        style="dim",
    )
    return head


def article_body(
    article: ArticleView, watched: tuple[list[str], set[str]], palette: Highlights = COLOURED
) -> Text:
    """An article's title, link, summary and why it joined the story."""
    out = Text()
    title = highlighted(
        article.title,
        article.spans,
        "title",
        watched,
        single_line=True,
        limit=500,
        palette=palette,
    )
    out.append_text(title if title.plain.strip() else Text(headline("", article.summary)))
    url = safe_url(article.url)
    out.append("\n")
    out.append(
        url or clean_title(article.url) or "(no link)",
        style=Style(color=palette.link or None, underline=bool(url), link=url or None),
    )
    summary = highlighted(
        article.summary,
        article.spans,
        "summary",
        watched,
        single_line=False,
        limit=SUMMARY_LIMIT,
        palette=palette,
    )
    if summary.plain:
        out.append("\n")
        out.append_text(summary)
    out.append("\n")
    out.append_text(explain_text(article))
    return out
