"""How the timeline draws a row: its columns, its header, its cells (the
:class:`~.timeline.Timeline` widget keeps the rows, the cursor and the scrolling)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text

from chipwatch.store.views import TimelineRow
from chipwatch.textsafe import clean_title
from chipwatch.tui.words import ALERTED, PINNED, UNREAD, headline, languages_label, short_time

ENTITY_WIDTH = 26
LANGS_WIDTH = 8  # "de fr en", "de fr +2"
FIXED_WIDTH = 3 + 10 + 6 + LANGS_WIDTH  # marks, time, outlets, languages
# The entity column only where the headline keeps this much beside it: the headline is
# what a person scans (at 100 columns it was cut to 44 cells for the column's sake).
HEADLINE_BESIDE_ENTITIES = 60
ENTITY_COLUMN_MIN_WIDTH = FIXED_WIDTH + ENTITY_WIDTH + HEADLINE_BESIDE_ENTITIES
MIN_TITLE_WIDTH = 8


@dataclass(frozen=True, slots=True)
class RowStyles:
    """The timeline's component styles a row is drawn with (the theme's)."""

    meta: Style
    new: Style
    alert: Style
    entities: Style


def columns(width: int) -> tuple[int, int]:
    """(title width, entity column width) for a line ``width`` cells wide: the
    headline takes what the fixed columns leave; entities only on wide lines."""
    ents = ENTITY_WIDTH if width >= ENTITY_COLUMN_MIN_WIDTH else 0
    return max(MIN_TITLE_WIDTH, width - FIXED_WIDTH - ents), ents


def header_text(width: int, meta: Style) -> Text:
    """Column names, aligned with :func:`row_text`."""
    title_width, ents = columns(width)
    text = (
        " " * 3
        + f" {'when':>8} "
        + "headline".ljust(title_width)
        + f" {'src':>3} "
        + " langs".ljust(LANGS_WIDTH + 1)
    )
    if ents:
        text += " entities".ljust(ents)
    return Text(text, style=meta + Style(bold=True), no_wrap=True)


def row_text(
    row: TimelineRow,
    width: int,
    styles: RowStyles,
    *,
    now: datetime,
    fresh: bool,
    on_cursor: bool,
) -> Text:
    """One row's cells, built from Text so feed text is never markup.

    Marks (the legend in words.py): unread, alerted, pinned. A story that arrived
    since the reader last looked at the top (``fresh``) has its time drawn in the "new"
    style. On the cursor's band the row's own colour reads; the entity colour did not."""
    meta, new = styles.meta, styles.new
    title_width, ents_width = columns(width)
    marks = Text()
    marks.append(UNREAD if not row.read else " ", new)
    marks.append(ALERTED if row.alerted else " ", styles.alert)
    marks.append(PINNED if row.pinned else " ", meta)
    when = Text(f" {short_time(row.last_updated, now):>8} ", style=new if fresh else meta)
    title = Text(headline(row.title), no_wrap=True, overflow="ellipsis")
    title.truncate(title_width, overflow="ellipsis", pad=True)
    langs = languages_label(row.languages, room=LANGS_WIDTH)
    sources = Text(f" {row.outlet_count:>3}  {langs:<{LANGS_WIDTH}}", style=meta)
    ents = Text()
    if ents_width:
        names = ", ".join(clean_title(e) for e in row.entities)
        style = Style() if on_cursor else styles.entities
        ents = Text(" " + names, no_wrap=True, overflow="ellipsis", style=style)
        ents.truncate(ents_width, overflow="ellipsis", pad=True)
    return Text.assemble(marks, when, title, sources, ents, no_wrap=True)
