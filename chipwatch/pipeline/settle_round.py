"""The end of a round: the settle pass, then the watches, in ONE write transaction.

Feeds are written as they finish, each article placed provisionally
(:mod:`chipwatch.pipeline.write`). When the round's feeds are all written, the settle
pass (:func:`chipwatch.clustering.settle.settle`) decides again for every article placed
since the last pass, in an order that does not depend on which feed finished first;
then the watches are checked for those articles, on their final stories. Before that,
alerts follow the articles that raised them, wherever the pass put those
(:func:`chipwatch.store.alerts.follow_articles`), and the stories the pass merged
(:func:`~chipwatch.store.alerts.follow_merges`). So a round raises one alert per
(watch, event), whatever the order. Events (``poll --json``
lines) go out after the commit: a ``story`` line for each story the pass changed, one
with ``merged_into`` for each story it merged away, and the alert lines. The story
lines are built after the commit, ``STORY_SLICE`` at a time (:func:`story_lines`), and
handed out as they are: a first import's pass changes a story for most of its articles
(~65,000 lines at 100,000 articles, ~500 bytes each), and the report keeps only the
first ``LISTED`` new ones and a count (issue 20).
"""

from __future__ import annotations

import sqlite3
from array import array
from bisect import bisect_left
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.model import Article, Assignment, EntityMatch
from chipwatch.store.alerts import follow_articles, follow_merges
from chipwatch.store.clustering import has_unsettled
from chipwatch.store.db import StoreError, write_transaction
from chipwatch.store.queries import articles_by_ids, published_keys
from chipwatch.store.tags import article_matches

# Articles the watches read from the store at once at a round's end (each with its
# mentions, ~5 KB): a first import settles the whole round in one pass (issue 20).
WATCH_SLICE = 1000
# Story lines built at once after the pass's commit; new stories a round's report lists.
STORY_SLICE = 1000
LISTED = 20

if TYPE_CHECKING:
    from chipwatch.clustering.settle_plan import Placed
    from chipwatch.pipeline.services import Services


@dataclass
class Settled:
    """What a round's end did: its alert (or warning) lines, the alerts to notify, the
    counts, and the stories whose lines go out after the commit (:func:`story_lines`)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)  # AlertEvent values
    created: int = 0  # stories the pass made
    emptied: int = 0  # provisional stories it merged away
    merged: set[int] = field(default_factory=set)  # every story merged away
    merges: list[tuple[int, int]] = field(default_factory=list)  # (story, into)
    stories: array[int] = field(default_factory=lambda: array("q"))  # changed, ascending
    made: array[int] = field(default_factory=lambda: array("q"))  # created, ascending
    # For the report: the first LISTED new stories' lines, and how many more there were.
    listed: list[dict[str, Any]] = field(default_factory=list)
    unlisted: int = 0

    def story_slices(self) -> Iterator[tuple[list[tuple[int, int]], array[int]]]:
        """The merged-away stories, then the changed ones, ``STORY_SLICE`` at a time."""
        for start in range(0, len(self.merges), STORY_SLICE):
            yield self.merges[start : start + STORY_SLICE], array("q")
        for start in range(0, len(self.stories), STORY_SLICE):
            yield [], self.stories[start : start + STORY_SLICE]

    def note(self, line: dict[str, Any], seen: Container[Any] = ()) -> None:
        """Count a story line handed out; keep the first ``LISTED`` new ones (not
        already in ``seen``, nor merged away) for the report."""
        story = line.get("id")
        if line.get("new") and story not in seen and story not in self.merged:
            if len(self.listed) < LISTED:
                self.listed.append(line)
            else:
                self.unlisted += 1


def settle_round(services: Services, *, now: datetime) -> Settled:
    """Settle the round's articles and check the watches; a failure rolls back and is
    reported as a warning line (the articles stay waiting for the next round)."""
    if not has_unsettled(services.conn):  # nothing stored this round: no sqlite_utils
        return Settled()
    try:
        with write_transaction(services.db):
            return _settle(services, now=now)
    except sqlite3.OperationalError as exc:  # the store itself: full, read-only, I/O
        raise StoreError(f"cannot write to the store: {exc}") from exc
    except Exception as exc:
        services.after_rollback()
        message = f"could not settle the round's stories: {type(exc).__name__}: {exc}"
        return Settled(events=[{"type": "warning", "message": message}])


def _settle(services: Services, *, now: datetime) -> Settled:
    from chipwatch.clustering.settle import settle

    db = services.db
    result = settle(services.clusterer, now=now)
    # First, so that an alert already raised is not raised again: each alert follows
    # its article to the story that now holds it (a story the pass split keeps its id
    # by overlap, not its watched article), then those that record none (an older
    # store's) follow the stories merged away. Articles first: an alert whose story
    # was merged into one the watch alerted on, while its article went elsewhere, is
    # moved there, not folded into the other alert and raised afresh.
    follow_articles(db)
    follow_merges(db, result.merges)
    alerts = _check_watches(services, result.placed, now=now)
    merged = {story for story, _ in result.merges}
    settled = Settled(
        created=len(result.created),
        emptied=len(result.emptied),
        merged=merged,
        merges=result.merges,
        stories=array("q", sorted(result.touched - merged)),
        made=array("q", sorted(result.created)),
    )
    settled.alerts = _distinct(alerts)
    settled.events.extend(alert.to_json() for alert in settled.alerts)
    services.unsettled.clear()
    return settled


def story_lines(
    services: Services, merges: list[tuple[int, int]], stories: array[int], made: array[int]
) -> list[dict[str, Any]]:
    """The ``story`` lines of some of a settled round's stories (:meth:`Settled.story_slices`),
    read after its commit: each story's row as it is now, ``new`` when the pass made it."""
    from chipwatch.pipeline.events import story_event

    db = services.db
    lines = [{**story_event(db, story, False), "merged_into": into} for story, into in merges]
    for story in stories:
        at = bisect_left(made, story)
        lines.append(story_event(db, story, at < len(made) and made[at] == story))
    return lines


def _check_watches(services: Services, settled: Placed, *, now: datetime) -> list[Any]:
    """The watches, for each settled article in its final story, in published order.
    Articles not kept since ingest are read from the store ``WATCH_SLICE`` at a time."""
    if not services.alerts.watches or not settled:
        return []
    placed = settled.as_dict()
    known = services.unsettled
    order = [(a.published, a.key, i) for i, (a, _) in known.items() if i in placed]
    order += published_keys(services.db, [i for i in placed if i not in known])
    order.sort()
    alerts: list[Any] = []
    for start in range(0, len(order), WATCH_SLICE):
        ids = [article_id for _, _, article_id in order[start : start + WATCH_SLICE]]
        articles = _articles(services, ids)
        for article_id in ids:
            article, matches = articles[article_id]
            assignment = Assignment(story_id=placed[article_id], new_story=False)
            alerts += services.alerts.on_article(article_id, article, matches, assignment, now=now)
    return alerts


def _articles(services: Services, ids: list[int]) -> dict[int, tuple[Article, list[EntityMatch]]]:
    """The given articles with their mentions: kept since ingest, else from the store."""
    known = services.unsettled
    found = {i: known[i] for i in ids if i in known}
    for article in articles_by_ids(services.db, [i for i in ids if i not in known]):
        if article.id is not None:
            found[article.id] = (article, article_matches(services.db, article.id))
    return found


def _distinct(alerts: list[Any]) -> list[Any]:
    """One event per alert: the last, marked created if any of them created it."""
    import dataclasses

    latest: dict[int, Any] = {}
    created: set[int] = set()
    for alert in alerts:
        latest[alert.alert_id] = alert
        if alert.created:
            created.add(alert.alert_id)
    return [
        dataclasses.replace(alert, created=alert.alert_id in created) for alert in latest.values()
    ]
