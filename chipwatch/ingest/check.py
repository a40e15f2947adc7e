"""Is this a feed? Fetched and parsed exactly as a poll would (the same
:class:`~chipwatch.ingest.http.Fetcher` and :func:`~chipwatch.ingest.parse.feed.parse_feed`),
before ``feeds add`` writes it into the config.

The answer is a :class:`FeedCheck`: a feed (title, language, item count), or why not,
in plain words, and whose fault that is: ``mistake`` when the address is wrong (a
missing file, a text file, an HTML page, HTTP 404: the user's to fix, exit 2), not when
the fetch failed on the way (the network, a server error: exit 1, and adding it anyway
with ``--no-check`` makes sense). An HTML page that advertises a feed names it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from chipwatch.config import PollConfig
from chipwatch.config.paths import is_local
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.parse.discover import feed_links
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.types import FetchKind, FetchRequest, FetchResult


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What fetching and parsing one address found."""

    url: str
    ok: bool
    title: str = ""
    lang: str | None = None
    items: int = 0
    problem: str = ""  # plain words: why it is not (or could not be read as) a feed
    detail: str = ""  # the technical detail under ``problem``
    mistake: bool = False  # the address is wrong (exit 2), not the way to it (exit 1)
    suggestion: str = ""  # a feed an HTML page advertises
    warning: str = ""  # a feed that parsed with a complaint


async def check_feed(url: str, config: PollConfig, *, now: datetime) -> FeedCheck:
    """Fetch ``url`` once (no validators) and parse it as polling would."""
    async with Fetcher(config) as fetcher:
        result = await fetcher.fetch(FetchRequest(url), now=now)
    if result.kind != FetchKind.OK:
        return _failed(url, result)
    parsed = parse_feed(result.body, result.headers, url, now)
    if not parsed.ok:
        links = (
            feed_links(result.body, result.final_url or url)
            if "HTML" in (parsed.error or "")
            else []
        )
        return FeedCheck(
            url,
            False,
            problem=parsed.error or "not a feed",
            detail=parsed.detail or "",
            mistake=True,
            suggestion=links[0] if links else "",
        )
    languages = Counter(a.lang for a in parsed.articles if a.lang and a.lang != "und")
    lang = parsed.lang or (languages.most_common(1)[0][0] if languages else None)
    return FeedCheck(
        url,
        True,
        title=parsed.title,
        lang=lang,
        items=len(parsed.articles),
        warning=parsed.warning or "",
    )


def check_feed_now(url: str, config: PollConfig, *, now: datetime) -> FeedCheck:
    """:func:`check_feed` from synchronous code (the command line)."""
    return asyncio.run(check_feed(url, config, now=now))


def _failed(url: str, result: FetchResult) -> FeedCheck:
    status = result.status or 0
    # The address is wrong: a local file that is not there, the server's "no such
    # page" (4xx) or "removed for good" (410). The rest is the way there failed.
    mistake = is_local(url) or result.kind == FetchKind.GONE or 400 <= status < 500
    if status in (408, 429):
        mistake = False
    return FeedCheck(
        url,
        False,
        problem=result.error or "the fetch failed",
        detail=result.detail or "",
        mistake=mistake,
    )
