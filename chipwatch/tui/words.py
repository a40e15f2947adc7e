"""The monitor's words: plurals, language lists, headlines, and the legend of every
symbol it draws (shown by the help screen; the README's legend is checked against it).

One meaning per symbol: a mark drawn in two places means the same thing in both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from chipwatch.textsafe import clean_title, first_sentence
from chipwatch.timeutil import from_iso, short_when
from chipwatch.words import (
    plural as plural,
)  # one rule for counted nouns, re-exported for the widgets

UNKNOWN_LANGUAGE = "und"  # BCP 47 "undetermined": stored, never shown

# The marks, each with its one meaning. Widgets take their characters from here.
UNREAD = "•"
ALERTED = "!"
PINNED = "★"
SELECTED_ARTICLE = "▶"
KIND_MARKS = {
    "chip": "◆",
    "company": "■",
    "agency": "▲",
    "person": "☺",
    "place": "◎",
    "policy": "§",
}
SPARK_BARS = "▁▂▃▄▅▆▇█"

LEGEND: tuple[tuple[str, str], ...] = (
    (
        UNREAD,
        "unread: a story you have not opened (U shows only these, N and P jump to them), "
        "an alert you have not seen",
    ),
    (ALERTED, "the story raised an alert (a watch matched it, or an entity spiked)"),
    (PINNED, "pinned (p; * lists the pinned stories)"),
    ("+3 new", "stories that arrived since you last looked (their time in bold; n jumps there)"),
    ("src 3", "how many outlets carry the story"),
    ("de fr +2", "the story's languages: two shown, two more hidden"),
    (SELECTED_ARTICLE, "the selected article of the story ([ and ] move, o opens, c copies)"),
    (KIND_MARKS["chip"], "entity kind: chip"),
    (KIND_MARKS["company"], "entity kind: company"),
    (KIND_MARKS["agency"], "entity kind: agency"),
    (KIND_MARKS["person"], "entity kind: person"),
    (KIND_MARKS["place"], "entity kind: place"),
    (KIND_MARKS["policy"], "entity kind: policy"),
    ("▁▃█", "stories per day over the last 7 days, newest on the right"),
    ("10:05", "a time today (all times are UTC)"),
    ("Jul 5", "a day within the last half year"),
    ("Jul 2024", "a month longer ago"),
    ("in 10m", "when something scheduled happens (the next poll)"),
)


def shown_languages(languages: Iterable[str]) -> list[str]:
    """The languages worth showing: "und" (undetermined) is never shown."""
    return [lang for lang in languages if lang and lang != UNKNOWN_LANGUAGE]


def languages_label(languages: Sequence[str], *, room: int = 8) -> str:
    """As many languages as fit in ``room`` cells, then ``+N`` for the rest."""
    langs = shown_languages(languages)
    label = " ".join(langs)
    if len(label) <= room:
        return label
    for keep in range(len(langs) - 1, -1, -1):
        label = " ".join([*langs[:keep], f"+{len(langs) - keep}"])
        if len(label) <= room:
            return label
    return f"+{len(langs)}"[:room]


def headline(title: str, summary: str = "") -> str:
    """A title to show: the cleaned title, else the summary's first words, else a
    placeholder (a headline is never blank)."""
    return clean_title(title) or clean_title(first_sentence(summary)) or "(untitled)"


def short_time(stamp: str, now: datetime) -> str:
    """A stored time as the monitor's lists show it (:func:`timeutil.short_when`)."""
    return short_when(from_iso(stamp), now)
