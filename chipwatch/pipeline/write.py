"""One feed's parsed articles → the store, inside the feed's transaction.

The result is what writing the articles one by one, in feed order, would give — the
same rows, ids, stories, events and alerts — in a few statements per feed:

- one read of every key decides which articles are new, edited or unchanged
  (:func:`~chipwatch.store.articles.plan_articles`);
- every new article is inserted by one statement, and its entity mentions are saved
  with its neighbours' before any of them is clustered. Until it is clustered a new
  article's ``story_id`` is NULL, so nothing the clusterer, the story rows or the alerts
  read can see it early;
- an edited article is written at its place in the feed: its story may be re-read while
  an earlier article is clustered. The new articles after it are saved after it, so even
  the order of ``article_entities`` rows is the one-by-one order;
- clustering (provisional: the round's settle pass decides) and the events stay per
  article, in order; the watches are checked at the settle pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.ingest.types import ParsedFeed
from chipwatch.model import Article
from chipwatch.pipeline.events import article_event, story_event
from chipwatch.pipeline.longfeed import gather, needed
from chipwatch.pipeline.outcome import FeedOutcome, FeedPoll, label
from chipwatch.store.articles import insert_new_articles, plan_articles, update_article
from chipwatch.store.clustering import keep_features
from chipwatch.store.tags import save_matches, save_matches_many

if TYPE_CHECKING:
    from chipwatch.pipeline.services import Services

Tagged = tuple[list[Any], Any]  # an article's entity matches and clustering features


def store_articles(
    services: Services, poll: FeedPoll, parsed: ParsedFeed, outcome: FeedOutcome, *, now: datetime
) -> None:
    """Upsert, tag, cluster and check ``parsed``'s articles; counts and events go to
    ``outcome``. Call inside the feed's write transaction."""
    db = services.db
    articles: Sequence[Article] = parsed.articles
    # Tags and features a parse worker computed, one per article (None: compute here).
    ready: Sequence[Any] | None = parsed.prepared if len(parsed.prepared) == len(articles) else None
    limit = services.config.poll.max_new_per_feed
    if parsed.long is not None:  # only some articles crossed: decide from every key
        wanted = needed(db, parsed.long, limit)
        articles, ready = gather(parsed, wanted.positions, poll.pick)
        outcome.capped = wanted.capped
    plan = plan_articles(db, articles)
    if plan.changes.count("new") > limit:
        articles, ready, outcome.capped = _newest(articles, ready, plan.changes, limit)
        plan = plan_articles(db, articles)
    if all(change == "same" for change in plan.changes):
        return
    insert_new_articles(db, plan, articles, feed_id=poll.feed.id, now=now)
    tagged = [
        _tagged(services, article, ready[i] if ready else None, change)
        for i, (article, change) in enumerate(zip(articles, plan.changes, strict=True))
    ]
    runs = _new_runs(plan.changes)
    parents = services.tagger.entities
    stored = _Stored(poll.feed.id, label(poll), poll.feed.url)
    # A first import: every new article waits for the settle pass, a run at a time.
    deferring = services.clusterer.defers_new()
    for position, article in enumerate(articles):
        change = plan.changes[position]
        if change == "same" or (deferring and change == "new" and position not in runs):
            continue  # unchanged, or deferred with its run
        article_id = plan.ids[article.key]
        matches, features = tagged[position]
        if change == "updated":
            digest = plan.digests[position]
            services.clusterer.before_edit(article_id)  # while its old text is stored
            update_article(db, article_id, article, digest=digest, now=now)
            save_matches(db, article_id, matches, parents=parents)
        elif position in runs:
            items = [(plan.ids[articles[i].key], tagged[i][0]) for i in runs[position]]
            save_matches_many(db, items, parents=parents)
            if deferring:
                run = [(plan.ids[articles[i].key], articles[i], *tagged[i]) for i in runs[position]]
                _defer(services, stored, run, outcome, now=now)
                continue
        _cluster(
            services,
            stored,
            article_id,
            article,
            change,
            outcome,
            now=now,
            tagged=(matches, features),
        )
    _keep_features(db, plan, articles, ready)
    services.clusterer.end_batch()  # the rarity table's changes, in this transaction


@dataclass(frozen=True, slots=True)
class _Stored:
    """Where the feed's articles are stored: its id, display name and address."""

    feed_id: int
    name: str
    url: str


def _keep_features(
    db: Any, plan: Any, articles: Sequence[Article], ready: Sequence[Any] | None
) -> None:
    """The new articles' features as their parse worker encoded them, kept in the store
    while they wait for the settle pass, which reads them instead of computing them
    again (an edited article's are computed: the stored row keeps some old fields).
    Encoded by the workers, in parallel: here one statement per feed."""
    if ready is None:
        return
    kept = [
        (plan.ids[article.key], prepared.encoded)
        for article, change, prepared in zip(articles, plan.changes, ready, strict=True)
        if change == "new" and prepared is not None and prepared.encoded is not None
    ]
    if kept:
        keep_features(db, kept)


def _newest(
    articles: Sequence[Article],
    ready: Sequence[Any] | None,
    changes: Sequence[str],
    limit: int,
) -> tuple[Sequence[Article], Sequence[Any] | None, int]:
    """The articles without the new ones past ``limit`` (newest kept; among equal
    times, the feed's order), their prepared values to match, and how many were left."""
    new = [i for i, change in enumerate(changes) if change == "new"]
    new.sort(key=lambda i: (-articles[i].published.timestamp(), i))
    left = {articles[i].key for i in new[limit:]}
    kept = [i for i, article in enumerate(articles) if article.key not in left]
    prepared = [ready[i] for i in kept] if ready is not None else None
    return [articles[i] for i in kept], prepared, len(left)


def _tagged(services: Services, article: Article, prepared: Any, change: str) -> Tagged:
    """An article's mentions and clustering features: the worker's, else tagged here."""
    if change == "same":
        return [], None
    if prepared is not None:
        return list(prepared.matches), prepared.features
    return services.tagger.tag(article.title, article.summary), None


def _new_runs(changes: Sequence[str]) -> dict[int, list[int]]:
    """The new articles grouped in runs not interrupted by an edited one, by the
    position of each run's first article."""
    runs: dict[int, list[int]] = {}
    current: list[int] | None = None
    for position, change in enumerate(changes):
        if change == "updated":
            current = None
        elif change == "new":
            if current is None:
                current = runs.setdefault(position, [])
            current.append(position)
    return runs


def _cluster(
    services: Services,
    stored: _Stored,
    article_id: int,
    article: Article,
    change: str,
    outcome: FeedOutcome,
    *,
    now: datetime,
    tagged: Tagged,
) -> None:
    """Place a stored, tagged article provisionally and record its events. The watches
    are checked at the round's settle pass (:mod:`.settle_round`), on its final story:
    one alert per event, whatever order the feeds came in. An old article (the archive
    of a first import) is left to that pass (``Clusterer.place``): its article line
    has no story yet, and the pass's story lines report where it went."""
    matches, features = tagged
    assignment = services.clusterer.place(article_id, article, matches, now=now, features=features)
    services.keep_unsettled(article_id, article, matches, feed=stored.name, feed_url=stored.url)
    if change == "new":
        outcome.new_articles += 1
    else:
        outcome.updated_articles += 1
    story_id = assignment.story_id if assignment is not None else None
    outcome.events.append(_event(stored, article_id, article, change, story_id, matches))
    if assignment is not None:
        outcome.new_stories += int(assignment.new_story)
        outcome.events.append(story_event(services.db, assignment.story_id, assignment.new_story))


def _defer(
    services: Services,
    stored: _Stored,
    run: list[tuple[int, Article, list[Any], Any]],
    outcome: FeedOutcome,
    *,
    now: datetime,
) -> None:
    """:func:`_cluster` of a run of new articles (in feed order) that all wait for the
    settle pass (:meth:`Clusterer.defer_new`): no story yet, one line each."""
    services.clusterer.defer_new(stored.feed_id, run, now=now)
    events = outcome.events
    for article_id, article, matches, _ in run:
        services.keep_unsettled(article_id, article, matches, feed=stored.name, feed_url=stored.url)
        events.append(_event(stored, article_id, article, "new", None, matches))
    outcome.new_articles += len(run)


def _event(
    stored: _Stored,
    article_id: int,
    article: Article,
    change: str,
    story_id: int | None,
    matches: list[Any],
) -> dict[str, Any]:
    return article_event(
        article,
        change,
        story_id,
        matches,
        article_id=article_id,
        feed=stored.name,
        feed_url=stored.url,
    )
