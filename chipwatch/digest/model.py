"""The digest as plain data, shared by :mod:`chipwatch.digest.build` (which builds it
from the store) and the renderers (which turn it into md, html, json, csv and atom).

Every string here is already cleaned (:func:`chipwatch.textsafe.clean_title`) and every
URL is http(s) or empty; renderers still escape for their own format at the edge.
Times are the store's ISO 8601 UTC text (``2025-07-15T08:00:00Z``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chipwatch.textsafe import clean_text
from chipwatch.timeutil import from_iso
from chipwatch.words import plural as plural  # the digest renderers import it from here

DIGEST_SCHEMA_VERSION = 1

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "zh": "Chinese",
    "und": "unknown language",
}

# Watch alerts are the usual kind and go unlabelled; the others say what they are.
ALERT_KIND_LABELS = {"watch": "", "spike": "spike", "feed": "feed health"}


@dataclass(frozen=True, slots=True)
class DigestEntity:
    """An entity of a story and how many times its articles mention it (or, implied,
    mention the entities below it)."""

    name: str
    kind: str
    mentions: int
    # An entity above the ones mentioned (export controls above an export ban): its
    # mentions are theirs. Listed after the mentioned ones, in JSON only.
    implied: bool = False


@dataclass(frozen=True, slots=True)
class DigestArticle:
    """One citation: an article of a story.

    ``in_window`` is false for earlier articles of the story, listed for context.
    """

    id: int
    title: str
    url: str
    feed: str
    published: str
    lang: str
    entities: tuple[str, ...] = ()
    in_window: bool = True
    why: str = ""  # why it is in its story (``digest --explain``), else ""


@dataclass(frozen=True, slots=True)
class DigestStory:
    """One story with its citations; spans and counts cover the listed articles."""

    id: int
    title: str
    first_seen: str
    last_updated: str
    outlets: int
    languages: tuple[str, ...]
    entities: tuple[DigestEntity, ...]
    alerts: tuple[str, ...]
    articles: tuple[DigestArticle, ...]
    url: str = ""  # the headline article's link (http(s) or '')
    summary: str = ""  # the headline article's summary, cut short (one line)

    @property
    def mentioned(self) -> tuple[DigestEntity, ...]:
        """The entities its articles name (without the implied ones above them): what
        the Markdown, HTML and Atom renderings list."""
        return tuple(e for e in self.entities if not e.implied)

    @property
    def link(self) -> str:
        """The story's link: its headline article's, else its first article with one."""
        return self.url or next((a.url for a in self.articles if a.url), "")

    @property
    def anchor(self) -> str:
        """A stable in-document anchor name (HTML id, Markdown reference)."""
        return f"story-{self.id}"


@dataclass(frozen=True, slots=True)
class DigestAlert:
    """An alert raised on a story of the digest, an entity spike or a feed's health."""

    id: int
    kind: str
    watch: str
    title: str
    detail: str
    state: str
    created_at: str
    updated_at: str
    story_id: int | None = None

    @property
    def note(self) -> str:
        """The detail worth printing: not one the title already says, nor a watch
        alert's outlet list (its story, listed below, cites every outlet)."""
        if not self.detail or self.detail in self.title:
            return ""
        return "" if self.kind == "watch" and self.story_id is not None else self.detail

    @property
    def kind_label(self) -> str:
        """What kind of alert this is, in words; '' when the watch's name says it."""
        label = ALERT_KIND_LABELS.get(self.kind, self.kind)
        name = self.watch.casefold()
        if not label or label.casefold() in name or self.kind.casefold() in name:
            return ""
        return label


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest shows, in the order it shows it."""

    generated_at: str
    since: str | None
    until: str
    query: str | None
    min_outlets: int
    alerts: tuple[DigestAlert, ...]
    stories: tuple[DigestStory, ...]

    @property
    def article_count(self) -> int:
        """Citations listed, counting earlier articles shown for context."""
        return sum(len(story.articles) for story in self.stories)

    @property
    def window_article_count(self) -> int:
        """Articles published inside the window."""
        return sum(a.in_window for story in self.stories for a in story.articles)

    @property
    def outlet_names(self) -> tuple[str, ...]:
        """Every outlet cited, sorted."""
        return tuple(sorted({a.feed for s in self.stories for a in s.articles}))

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language cited, sorted."""
        return tuple(sorted({lang for s in self.stories for lang in s.languages}))

    def story_titles(self) -> dict[int, str]:
        """Story id → title, for alerts that point at a story."""
        return {story.id: story.title for story in self.stories}


# --------------------------------------------------------------------------- cleaning


def one_line(text: str) -> str:
    """``clean_text(text, single_line=True)``, with a fast path for clean text.

    Feed text was cleaned at ingest, so most strings have nothing to clean, and a
    digest of 10,000 stories cleans ~300,000 of them. ``str.isprintable`` is false for
    every character clean_text acts on (controls, so every escape sequence; bidi and
    zero-width format characters; line separators; any whitespace but the space), so
    text that is printable, without doubled or outer spaces, is returned as it is.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return clean_text(text, single_line=True)


# --------------------------------------------------------------------------- display


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def human_time(value: str) -> str:
    """``2025-07-15T08:05:00Z`` → ``15 Jul 2025 08:05 UTC``."""
    if _is_store_time(value):
        # The store's own format (timeutil.iso): sliced, not parsed, for big digests.
        return f"{value[8:10]} {_MONTHS[int(value[5:7]) - 1]} {value[:4]} {value[11:16]} UTC"
    return f"{_day(_parse(value))} {_parse(value):%H:%M} UTC"


def human_span(first: str, last: str) -> str:
    """A compact time span: one time, one day with two times, or two full times."""
    if first == last:
        return human_time(first)
    if _is_store_time(first) and _is_store_time(last):
        # The store's own format, sliced: big digests format thousands of spans.
        if first[:10] == last[:10]:
            return f"{human_time(first)[:-4]}–{last[11:16]} UTC"
        return f"{human_time(first)[:-4]} – {human_time(last)}"
    start, end = _parse(first), _parse(last)
    if start == end:
        return human_time(first)
    if start.date() == end.date():
        return f"{_day(start)} {start:%H:%M}–{end:%H:%M} UTC"
    return f"{_day(start)} {start:%H:%M} – {_day(end)} {end:%H:%M} UTC"


def _is_store_time(value: str) -> bool:
    """Is this ``YYYY-MM-DDTHH:MM:SSZ``, the form :func:`chipwatch.timeutil.iso` writes?"""
    return len(value) == 20 and value[10] == "T" and value[19] == "Z"


def _day(value: datetime) -> str:
    """``15 Jul 2025`` in English whatever the locale (``%b`` follows LC_TIME)."""
    return f"{value.day:02d} {_MONTHS[value.month - 1]} {value.year}"


def human_window(digest: Digest) -> str:
    """The window as a sentence fragment: ``15 Jul 2025 12:00 UTC to 16 Jul …``."""
    start = human_time(digest.since) if digest.since else "the beginning of the archive"
    return f"{start} to {human_time(digest.until)}"


def human_dates(digest: Digest) -> str:
    """The days the window covers: ``16 Jul 2025``, ``14 Jul – 16 Jul 2025`` or ``to 16 …``.

    An ``until`` at midnight ends the previous day, so a daily digest names one day.
    """
    last = _parse(digest.until) - timedelta(seconds=1)
    if digest.since is None:
        return f"to {_day(last)}"
    first = _parse(digest.since)
    if first.date() >= last.date():
        return _day(first)
    if first.year == last.year:
        return f"{first.day:02d} {_MONTHS[first.month - 1]} – {_day(last)}"
    return f"{_day(first)} – {_day(last)}"


def language_name(code: str) -> str:
    """An English name for a language code, or the code itself."""
    return LANGUAGE_NAMES.get(code.split("-")[0].lower(), code)


def _parse(value: str) -> datetime:
    return from_iso(value)
