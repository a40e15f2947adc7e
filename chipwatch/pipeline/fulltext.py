"""Full text at ingest: the web pages of a ``full_text = true`` feed's articles.

For a feed that ships only a teaser, a poll fetches its articles' pages after parsing
the feed and before the feed's transaction, so tagging and clustering see what the
teaser leaves out (the feed's summary stays what digests and the detail pane show):

- only pages whose text is not in the store yet (a text from another extractor version
  counts as missing; a failed page is tried again after FAILED_RETRY), newest articles
  first, at most MAX_PAGES_PER_POLL per feed per poll: a flood, or the first poll of a
  long feed, costs a bounded number of requests. An article past the cap keeps its
  teaser for analysis (the reader view still fetches its page on demand);
- through the poller's own fetcher (its user agent, timeouts, byte cap, redirect
  guard and per-host limit), at most PAGE_CONCURRENCY pages at once over all feeds and
  one at a time per host, so pages never crowd out feed fetches;
- read (extracted) in the parse workers; the feed's articles with a text are then
  tagged and featurized again in a worker (:func:`chipwatch.model.with_body`);
- the fetched texts are written in the feed's transaction, with its articles.

All of it runs in the feed's own task: the writer's thread only answers one read of
the stored texts, and writes the rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.types import ParsedFeed
from chipwatch.model import Article, ArticleText
from chipwatch.pipeline.workers import ParserPool
from chipwatch.store.fulltext import texts_for

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from sqlite_utils import Database

OnWriter = Callable[..., Awaitable[Any]]  # Poller.write: run a function on the store's thread

MAX_PAGES_PER_POLL = 20
PAGE_CONCURRENCY = 4
FAILED_RETRY = timedelta(hours=24)


@dataclass(frozen=True)
class Enriched:
    """A full_text feed's parse with its pages' texts."""

    parsed: ParsedFeed
    texts: tuple[ArticleText, ...] = ()  # fetched in this poll (to store)
    analysed: tuple[str, ...] = ()  # page URLs whose text tagging and clustering saw


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def pages_to_fetch(
    articles: Sequence[Article], stored: Mapping[str, ArticleText], *, now: datetime
) -> list[str]:
    """The page URLs to fetch now: not stored (or from another extractor, or failed
    longer than FAILED_RETRY ago), newest article first, at most MAX_PAGES_PER_POLL."""
    from chipwatch.ingest.pages import extractor_name  # only a full_text feed's poll

    current = extractor_name()
    wanted: list[str] = []
    for article in sorted(articles, key=lambda a: a.published, reverse=True):
        url = article.url
        if not _web(url) or url in wanted:
            continue
        text = stored.get(url)
        fresh = text is not None and (
            (text.ok and text.extractor == current)
            or (not text.ok and now - text.fetched_at < FAILED_RETRY)
        )
        if not fresh:
            wanted.append(url)
        if len(wanted) >= MAX_PAGES_PER_POLL:
            break
    return wanted


class FullText:
    """A poller's page fetching for full_text feeds: its fetcher and parse workers, and
    ``on_writer``/``db`` to read the stored texts on the store's thread."""

    def __init__(
        self,
        fetcher: Fetcher,
        parsers: ParserPool,
        *,
        on_writer: OnWriter,
        db: Callable[[], Database],
    ) -> None:
        self.fetcher, self.parsers = fetcher, parsers
        self._on_writer, self._db = on_writer, db
        self._slots: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def enrich(self, parsed: ParsedFeed, *, feed_url: str, now: datetime) -> Enriched:
        """Fetch what is missing of ``parsed``'s pages and prepare its articles with
        every text there is (see the module's doc)."""
        urls = list(dict.fromkeys(a.url for a in parsed.articles if _web(a.url)))
        if not urls:
            return Enriched(parsed)
        stored = await self._on_writer(self._stored, urls)
        wanted = pages_to_fetch(parsed.articles, stored, now=now)
        fetched = await asyncio.gather(
            *(self._fetch(url, feed_url, stored.get(url), now) for url in wanted)
        )
        texts = {**stored, **{t.url: t for t in fetched}}
        bodies = {url: texts[url].text for url in urls if url in texts and texts[url].ok}
        prepared = await self._prepare(parsed, bodies) if bodies else None
        if prepared is None:
            return Enriched(parsed, tuple(fetched))
        return Enriched(prepared, tuple(fetched), tuple(bodies))

    def _stored(self, urls: list[str]) -> dict[str, ArticleText]:
        return texts_for(self._db(), urls)

    async def _fetch(
        self, url: str, feed_url: str, cached: ArticleText | None, now: datetime
    ) -> ArticleText:
        if self._slots is None:  # made on the poll's own event loop
            self._slots = asyncio.Semaphore(PAGE_CONCURRENCY)
        host = (urlsplit(url).hostname or "").lower()
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(1))
        from chipwatch.ingest.pages import page_request  # only a full_text feed's poll

        async with per_host, self._slots:  # host first: a waiting page holds no slot
            request = page_request(url, feed_url=feed_url, cached=cached)
            result = await self.fetcher.fetch(request, now=now)
        return await self.parsers.read_page(result, cached, now)

    async def _prepare(self, parsed: ParsedFeed, bodies: Mapping[str, str]) -> ParsedFeed | None:
        """``parsed`` with its articles that have a page text prepared again with it
        (all of them when the worker prepared none); None when that failed."""
        articles = parsed.articles
        if len(parsed.prepared) != len(articles):
            redone = await self.parsers.prepare(articles, bodies)
            return None if redone is None else dataclasses.replace(parsed, prepared=redone)
        positions = [i for i, a in enumerate(articles) if a.url in bodies]
        redone = await self.parsers.prepare([articles[i] for i in positions], bodies)
        if redone is None:
            return None
        prepared = list(parsed.prepared)
        for position, value in zip(positions, redone, strict=True):
            prepared[position] = value
        return dataclasses.replace(parsed, prepared=tuple(prepared))
