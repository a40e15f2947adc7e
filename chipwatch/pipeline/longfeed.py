"""A feed longer than ``[poll] max_new_per_feed``: which of its articles cross to the writer.

The writer stores at most ``max_new_per_feed`` new articles of a feed (the newest; among
equal times, the feed's order), every edited one, and nothing for the unchanged ones.
Handing it every parsed article of a 100,000-item feed held ~1 KB an article in the
poller (~200 MB with the pickled copy it arrives as; issue 20). So a parse worker hands
on, for such a feed, the newest ``max_new_per_feed`` articles (prepared: tagged and
featurized) and a :class:`~chipwatch.ingest.types.LongFeed` of every article's key,
content hash and time (~200 bytes an article).

In the feed's transaction the writer decides from those alone what to write, exactly as
from the whole list (:func:`needed`), and asks a worker for any article it needs that was
not handed on (:data:`Pick`: an edited older article, or new ones older than the stored
newest), parsing the body again. The feed is still written in ONE transaction: a kill
at any moment leaves all of its poll or none, as for any feed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chipwatch.ingest.types import LongFeed, ParsedFeed
from chipwatch.model import Article
from chipwatch.store.articles import classify, content_hash

if TYPE_CHECKING:
    from sqlite_utils import Database

# Parses the feed's body again and returns the articles at these positions (ascending),
# prepared when the pool has entity tables: ``ParsedFeed.long.positions`` says which.
Pick = Callable[[tuple[int, ...]], ParsedFeed]


def shorten(parsed: ParsedFeed, keep: int) -> ParsedFeed:
    """``parsed`` with only its newest ``keep`` articles (in feed order) and the
    :class:`LongFeed` of all of them; unchanged when it has no more than ``keep``."""
    articles = parsed.articles
    if len(articles) <= keep:
        return parsed
    published = tuple(article.published.timestamp() for article in articles)
    newest = sorted(range(len(articles)), key=lambda i: (-published[i], i))[:keep]
    positions = tuple(sorted(newest))
    long = LongFeed(
        positions=positions,
        keys=tuple(article.key for article in articles),
        digests=tuple(content_hash(article) for article in articles),
        published=published,
    )
    kept = tuple(articles[i] for i in positions)
    return ParsedFeed(
        articles=kept,
        title=parsed.title,
        site_url=parsed.site_url,
        lang=parsed.lang,
        min_interval_s=parsed.min_interval_s,
        version=parsed.version,
        warning=parsed.warning,
        error=parsed.error,
        detail=parsed.detail,
        long=long,
    )


def pick(parsed: ParsedFeed, positions: Sequence[int]) -> ParsedFeed:
    """The articles of a whole parsed feed at ``positions``, as :data:`Pick` returns them."""
    wanted = tuple(sorted(set(positions)))
    articles = tuple(parsed.articles[i] for i in wanted if i < len(parsed.articles))
    return ParsedFeed(articles=articles, long=LongFeed(positions=wanted[: len(articles)]))


@dataclass(frozen=True, slots=True)
class Needed:
    """What a long feed's write needs: the positions of the articles to write (new within
    the cap, or edited; ascending) and how many new ones the cap left out."""

    positions: tuple[int, ...]
    capped: int


def needed(db: Database, long: LongFeed, limit: int) -> Needed:
    """The articles a write of the whole feed would write: classified against the store
    as :func:`~chipwatch.store.articles.plan_articles` does, the new ones past ``limit``
    left out (the newest kept; among equal times, the feed's order) with every other
    occurrence of their keys, and the unchanged ones skipped."""
    changes = classify(db, long.keys, long.digests)
    new = [i for i, change in enumerate(changes) if change == "new"]
    left: set[str] = set()
    if len(new) > limit:
        new.sort(key=lambda i: (-long.published[i], i))
        left = {long.keys[i] for i in new[limit:]}
    # Leaving a key out entirely does not change how the others classify (keys are
    # independent), and skipping an unchanged occurrence does not change the later
    # occurrences of its key (its hash is the one they are compared with already).
    positions = tuple(
        i for i, change in enumerate(changes) if change != "same" and long.keys[i] not in left
    )
    return Needed(positions, len(left))


def gather(
    parsed: ParsedFeed, wanted: Sequence[int], more: Pick | None
) -> tuple[list[Article], list[Any]]:
    """The articles at ``wanted`` (ascending) with their prepared values (None where the
    writer tags for itself): from those handed on, the rest from ``more``."""
    assert parsed.long is not None
    held = _by_position(parsed.long.positions, parsed.articles, parsed.prepared)
    missing = tuple(i for i in wanted if i not in held)
    if missing:
        if more is None:
            raise RuntimeError("a long feed's articles are missing and cannot be parsed again")
        extra = more(missing)
        if extra.long is None or extra.long.positions != missing:
            raise RuntimeError(extra.error or "a long feed changed when it was parsed again")
        if any(a.key != parsed.long.keys[i] for i, a in zip(missing, extra.articles, strict=True)):
            raise RuntimeError("a long feed changed when it was parsed again")
        held.update(_by_position(extra.long.positions, extra.articles, extra.prepared))
    articles = [held[i][0] for i in wanted]
    return articles, [held[i][1] for i in wanted]


def _by_position(
    positions: Sequence[int], articles: Sequence[Article], prepared: Sequence[Any]
) -> dict[int, tuple[Article, Any]]:
    ready = prepared if len(prepared) == len(articles) else [None] * len(articles)
    return {p: (a, r) for p, a, r in zip(positions, articles, ready, strict=True)}
