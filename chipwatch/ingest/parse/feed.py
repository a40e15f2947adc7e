"""Feed bytes → normalized Articles. feedparser on the bytes and headers, never a URL.

``parse_feed`` is a pure function of its arguments (no clock, no I/O), so it runs in
worker processes (see :mod:`chipwatch.pipeline.workers`) and its results are plain,
picklable values. Nothing a feed contains can make it raise: any failure becomes a
:class:`ParsedFeed` with ``error`` set to a readable reason.
"""

from __future__ import annotations

import calendar
import html
import io
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chipwatch.ingest.parse.htmltext import html_to_text, looks_like_html
from chipwatch.ingest.parse.jsonfeed import looks_like_json, parse_json_feed
from chipwatch.ingest.parse.langdetect import detect_language
from chipwatch.ingest.parse.normalize import (
    article_key,
    normalize_lang,
    web_url,
    year_as_written,
)
from chipwatch.ingest.reasons import Reason, parse_problem, parser_crash
from chipwatch.ingest.schedule import MAX_HINT_S, bounded_int
from chipwatch.ingest.types import ParsedFeed
from chipwatch.model import Article
from chipwatch.textsafe import MAX_SUMMARY_CHARS, clean_text, clean_title, first_sentence
from chipwatch.timeutil import EPOCH

FUTURE_TOLERANCE = timedelta(days=1)
# CHIPWATCH_FAST_PARSE=0 turns the lxml fast path off (feedparser parses everything):
# a switch for measuring it, or for ruling it out. Worker processes inherit it.
FAST_PARSE = os.environ.get("CHIPWATCH_FAST_PARSE", "1").strip() != "0"
# Entries are dicts (FeedParserDict or plain); for the keys read with it, which
# FeedParserDict does not remap, dict.get is its answer without its Python-level lookup.
# ("updated_parsed" too: FeedParserDict's fallback for it is published_parsed, which
# has been read and found missing or impossible by then.)
_get: Callable[..., Any] = dict.get
# sy:updatePeriod in seconds; sy:updateFrequency divides it.
_UPDATE_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 604800,
    "monthly": 2592000,
    "yearly": 31536000,
}


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    feed_url: str,
    fetched_at: datetime,
    *,
    feed_name: str = "",
    fast: bool | None = None,
) -> ParsedFeed:
    """Parse one fetched document. Never raises for anything the document contains.

    ``fast``: try the strict lxml fast path first (:mod:`chipwatch.ingest.parse.fastpath.parse`,
    same result, feedparser whenever it is unsure); False always runs feedparser.
    None (the default) means True unless the environment sets CHIPWATCH_FAST_PARSE=0.
    """
    if fast is None:
        fast = FAST_PARSE
    if not body or not body.strip():
        return ParsedFeed(error="empty document: the server sent no content")
    try:
        return _parse(body, headers, feed_url, fetched_at, feed_name, fast)
    except Exception as exc:  # feedparser and odd input can fail in many ways
        reason = parser_crash(exc)
        return ParsedFeed(error=reason.text, detail=reason.detail)


def response_headers(headers: Mapping[str, str], feed_url: str) -> dict[str, str]:
    """The headers feedparser (or the fast path) is given: lower-cased names, and the
    feed's own address as Content-Location unless the server sent one."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if feed_url.startswith(("http://", "https://")):
        lowered.setdefault("content-location", feed_url)
    return lowered


def _parse(
    body: bytes,
    headers: Mapping[str, str],
    feed_url: str,
    fetched_at: datetime,
    feed_name: str,
    fast: bool = True,
) -> ParsedFeed:
    received = response_headers(headers, feed_url)
    result = parse_json_feed(body) if looks_like_json(body) else None
    if result is None and fast:
        from chipwatch.ingest.parse.fastpath.parse import (
            fast_parse,  # lxml: only once parsing starts
        )

        result = fast_parse(body, received)
    if result is None:
        import feedparser

        # A stream, never bytes or a string: feedparser opens strings as URLs or files.
        result = feedparser.parse(
            io.BytesIO(body),
            response_headers=received,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    feed = result.get("feed", {}) or {}
    entries = result.get("entries", []) or []
    problem = _bozo_reason(result, body, received) if result.get("bozo") else None
    warning = problem.text if problem is not None else None
    detail = problem.detail if problem is not None else None
    if not entries and not result.get("version"):
        return ParsedFeed(error=_not_a_feed_reason(body, warning), detail=detail)
    feed_lang = normalize_lang(feed.get("language"))
    base = feed_url if feed_url.startswith(("http://", "https://")) else ""
    if not base and str(feed.get("link", "")).startswith(("http://", "https://")):
        base = str(feed["link"])  # a local copy of a feed: resolve against its site
    context = _EntryContext(
        feed_url, feed_name, feed_lang, fetched_at, base, _unstable_guids(entries), _Notes()
    )
    articles = tuple(a for a in (context.safe_article(e) for e in entries) if a is not None)
    notes = context.notes.describe()
    if not articles:
        notes.append(
            "the feed lists no entries"
            if not entries
            else f"none of its {len(entries)} entries has a title, summary or link"
        )
    if notes:
        warning = "; ".join([warning, *notes] if warning else notes)[:600]
    return ParsedFeed(
        articles=articles,
        title=clean_title(_plain(feed.get("title", ""), feed.get("title_detail"))),
        site_url=web_url(str(feed.get("link", "") or ""), base),
        lang=feed_lang,
        min_interval_s=_interval_hint(feed),
        version=result.get("version", "") or "",
        warning=warning,
        detail=detail,
    )


def _bozo_reason(result: Any, body: bytes, headers: Mapping[str, str]) -> Reason | None:
    """What feedparser flagged, in plain words (:mod:`chipwatch.ingest.reasons`); None
    for a missing Content-Type where there is none to have (a local file)."""
    exc = result.get("bozo_exception")
    if type(exc).__name__ == "NonXMLContentType" and "content-type" not in headers:
        return None
    # feedparser writes its own XML declaration line above a document without one.
    own_declaration = body.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml")
    return parse_problem(exc, line_shift=0 if own_declaration else 1)


def _not_a_feed_reason(body: bytes, warning: str | None) -> str:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "not a feed: an HTML page (a web page, not RSS, Atom, RDF or JSON Feed)"
    if head.startswith((b"{", b"[")):
        return "not a feed: JSON that is not a JSON Feed"
    if not head.startswith(b"<"):
        return "not a feed: plain text, not RSS, Atom, RDF or JSON Feed"
    if warning and warning.startswith("broken XML"):
        return f"not a feed: {warning}"
    return "not a feed: no RSS, Atom, RDF or JSON Feed found"


def _interval_hint(feed: Mapping[str, Any]) -> int | None:
    """The feed's own idea of how often to fetch it (<ttl>, sy:updatePeriod), in seconds."""
    hints: list[int] = []
    ttl = bounded_int(feed.get("ttl"), MAX_HINT_S)  # minutes; the cap is far above a day
    if ttl:
        hints.append(ttl * 60)
    period = _UPDATE_PERIODS.get(str(feed.get("sy_updateperiod", "")).strip().lower())
    if period:
        divisor = bounded_int(feed.get("sy_updatefrequency"), period) or 1
        hints.append(period // divisor)
    return min(max(hints), MAX_HINT_S) if hints else None


def _unstable_guids(entries: list[Any]) -> frozenset[str]:
    """Guids shared by several entries of one document cannot identify any of them."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for entry in entries:
        guid = str(_get(entry, "id", "") or "").strip()
        if guid in seen:
            repeated.add(guid)
        seen.add(guid)
    return frozenset(repeated)


def _detail_value(detail: Any, key: str, default: Any) -> Any:
    """``detail.get(key, default)`` for a feedparser detail dict (type, language, base:
    keys FeedParserDict does not remap), else ``default``."""
    if isinstance(detail, dict):
        return _get(detail, key, default)
    return detail.get(key, default) if isinstance(detail, Mapping) else default


def _plain(value: Any, detail: Any = None) -> str:
    """Text of a feedparser value: HTML reduced to text; declared plain text keeps its
    angle brackets (only stray entities are decoded); undeclared text is sniffed."""
    text = str(value or "")
    kind = _detail_value(detail, "type", "")
    if "html" in kind:
        return html_to_text(text)
    if kind == "text/plain":
        return html.unescape(text) if "&" in text else text
    return html_to_text(text) if looks_like_html(text) else text


def _struct_to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time | tuple) or len(value) < 6:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(tuple(value)[:9]), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


@dataclass(slots=True)
class _Notes:
    """What one document's entries cost: impossible dates and entries that failed."""

    bad_dates: int = 0
    bad_date: str = ""  # the first one, quoted in the warning
    failed: int = 0
    failure: str = ""

    def describe(self) -> list[str]:
        notes = []
        if self.bad_dates:
            notes.append(
                f"{_entries(self.bad_dates)} with an impossible date, e.g. "
                f"{clean_title(self.bad_date)[:60]!r} (before 1970 or misread): "
                "dated by the fetch instead"
            )
        if self.failed:
            notes.append(f"{_entries(self.failed)} skipped: {clean_title(self.failure)[:160]}")
        return notes


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


@dataclass(frozen=True, slots=True)
class _EntryContext:
    feed_url: str
    feed_name: str
    feed_lang: str | None
    fetched_at: datetime
    base: str
    unstable_guids: frozenset[str]
    notes: _Notes

    def safe_article(self, entry: Any) -> Article | None:
        """:meth:`article`, or None for an entry that breaks it: one bad entry costs
        only itself (and is counted in the feed's warning)."""
        try:
            return self.article(entry)
        except Exception as exc:
            self.notes.failed += 1
            self.notes.failure = self.notes.failure or f"{type(exc).__name__}: {exc}"
            return None

    def article(self, entry: Mapping[str, Any]) -> Article | None:
        summary = clean_text(
            _plain(self._summary_html(entry), _get(entry, "summary_detail")),
            limit=MAX_SUMMARY_CHARS,
        )
        title = clean_title(_plain(_get(entry, "title", ""), _get(entry, "title_detail")))
        derived = not title
        if derived:
            title = clean_title(first_sentence(summary))
        guid = str(_get(entry, "id", "") or "").strip() or None
        if guid in self.unstable_guids or guid == self.feed_url:
            guid = None
        url = self._url(entry, guid)
        if not title and not url:
            return None
        published, estimated = self._published(entry)
        return Article(
            key=article_key(
                feed_url=self.feed_url, guid=guid, url=url, title=title, summary=summary
            ),
            feed_url=self.feed_url,
            title=title,
            summary=summary,
            url=url,
            published=published,
            fetched_at=self.fetched_at,
            guid=guid,
            published_estimated=estimated,
            title_derived=derived and bool(title),
            lang=self._lang(entry, title, summary),
            author=clean_title(str(_get(entry, "author", "") or "")),
            feed_name=self.feed_name,
        )

    def _url(self, entry: Mapping[str, Any], guid: str | None) -> str:
        """The entry's web address: its link, else an alternate link, else a guid that
        is one. Both parse paths give feedparser's ``link`` (an attribute such as
        ``uri="at://…"`` wins over the element's text); a link that is not http(s) is
        passed over here, after them, so they stay equal."""
        base = self._base(entry)
        url = web_url(str(_get(entry, "link", "") or ""), base)
        if url:
            return url
        for link in _get(entry, "links", None) or ():
            if isinstance(link, Mapping) and link.get("rel", "alternate") == "alternate":
                url = web_url(str(link.get("href", "") or ""), base)
                if url:
                    return url
        return web_url(guid, base) if guid and guid.startswith(("http://", "https://")) else ""

    def _base(self, entry: Mapping[str, Any]) -> str:
        detail = _get(entry, "title_detail") or _get(entry, "summary_detail") or {}
        base = str(_detail_value(detail, "base", "") or "")
        return base if base.startswith(("http://", "https://")) else self.base

    @staticmethod
    def _summary_html(entry: Mapping[str, Any]) -> str:
        summary = _get(entry, "summary")
        if summary:
            return str(summary)
        for content in _get(entry, "content", []) or []:
            if isinstance(content, Mapping) and content.get("value"):
                return str(content["value"])
        return ""

    def _published(self, entry: Mapping[str, Any]) -> tuple[datetime, bool]:
        """The entry's time: published, else updated (estimated), else the fetch time
        (estimated). A date outside the possible range counts as missing; an entry with
        an impossible one is noted for the feed's warning (the near future, a clock or
        time zone slip, is clamped silently)."""
        published_text = _get(entry, "published")
        when = self._date(_get(entry, "published_parsed"), published_text)
        if isinstance(when, datetime):
            return when, False
        bad = when
        updated_text = _get(entry, "updated")
        updated = self._date(_get(entry, "updated_parsed"), updated_text)
        if isinstance(updated, datetime):
            when, estimated = updated, True
        else:
            bad = bad or updated
            when, estimated = self.fetched_at, True
        if bad:
            self.notes.bad_dates += 1
            self.notes.bad_date = self.notes.bad_date or str(published_text or updated_text or "")
        return when, estimated

    def _date(self, parsed: Any, text: Any) -> datetime | bool:
        """A parsed date when it is possible (from 1970 to a day after the fetch, and
        with the year the text wrote); else True when it is impossible, False when
        missing or merely in the future."""
        if parsed is None:
            return False
        when = _struct_to_datetime(parsed)  # None: beyond what datetime holds (year 0)
        written = str(text or "")
        if when is None or when < EPOCH or (written and not year_as_written(written, when.year)):
            return True
        return False if when > self.fetched_at + FUTURE_TOLERANCE else when

    def _lang(self, entry: Mapping[str, Any], title: str, summary: str) -> str:
        for key in ("title_detail", "summary_detail"):
            lang = normalize_lang(_detail_value(_get(entry, key), "language", None))
            if lang:
                return lang
        if self.feed_lang:
            return self.feed_lang
        return detect_language(f"{title}\n{summary[:1000]}")
