"""The settle pass: the open stories decided again, whatever order articles came in.

At ingest each article is placed provisionally, in the order feeds happen to finish.
At the end of a round this pass takes every article placed since the last one (the
store's ``unsettled`` rows) and the stories they touch, and decides again:

1. one snapshot of the rarities (:meth:`~.docfreq.DocumentFrequencies.freeze`);
2. the round's articles and every article of the stories their candidates belong to
   (the *open* stories) start alone; a story a user placed articles in, or one
   reaching out of the index's span, is kept whole;
3. each placed article's candidates on the final index, in a canonical order
   (published time, then the article's key), every pair scored once;
4. pairs at or above the threshold are taken strongest first (ties by the articles'
   keys) and join their two groups, unless a pair between the groups reports
   conflicting actions (licences granted against sales halted: neighbouring
   developments), or the link is weak (under ``STRONG``) and the groups' pairs do not
   support it (their mean under ``LINK_MIN``). Two stories kept whole merge only
   through a strong link (a *bridge*), and never when a user placed articles in one;
5. the groups are mapped to story ids by overlap (:mod:`.settle_write`): each keeps the
   id of the story most of its articles were in, so ids are stable; only what changed
   is written.

The result depends on the articles and the stories kept whole, not on the order the
articles arrived in, nor on how feeds finished within a round.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.documents import docs_by_ids, load_docs
from chipwatch.clustering.settle_pass import SETTLE_CANDIDATES, SettlePass
from chipwatch.clustering.settle_plan import (
    SettleResult,
)
from chipwatch.clustering.settle_sweep import sweep
from chipwatch.clustering.settle_write import write_plan
from chipwatch.store.clustering import (
    clustered_count,
    has_settled,
    locked_articles,
    settled_near,
    unsettled_ids,
)

if TYPE_CHECKING:
    from chipwatch.clustering.clusterer import Clusterer

# When the rarities' population has grown by this fraction since the last pass that
# decided the whole open range again, the next pass does so again: a story decided
# with the rarities of a younger store is decided again with today's.
DRIFT = 0.05
# A store of at most this many articles is its whole open range (a young store's
# rarities move fast); a bigger one's open range is what the live index holds, its
# newest this many articles.
FULL_STORE = 5000
# Settled articles near a round decided again with it, at most (the nearest in time).
MAX_NEAR = 2000


def settle(clusterer: Clusterer, *, now: datetime) -> SettleResult:
    """Decide again for every unsettled article and the stories it touches; write what
    changed (in the caller's transaction)."""
    db = clusterer.db
    gathered = clusterer.gathered  # (forgotten by ``settled``)
    clusterer.settled()
    ids = unsettled_ids(db)
    if not ids:
        return SettleResult()
    locked = locked_articles(db, ids)
    if clusterer.sweep and not locked and not has_settled(db):
        del ids  # the sweep reads the round itself, in its order: not held through it
        clusterer.df.freeze()
        drifted(clusterer)  # as the whole-round pass would note it
        return sweep(
            clusterer,
            now=now,
            make_pass=SettlePass,
            candidates=SETTLE_CANDIDATES,
            gathered=gathered,
        )
    docs = _round_docs(clusterer, ids)
    free = {i: d for i, d in docs.items() if i not in locked}
    clusterer.df.freeze()
    near = _near(clusterer, docs)
    times = [d.published for d in docs.values()] + [t.timestamp() for t in near.values()]
    index = _index_for(clusterer, docs, times)
    plan, pairs = SettlePass(clusterer, index, free).run(set(near))
    result = write_plan(clusterer, plan, ids, now=now)
    result.pairs = pairs
    for article_id in locked & docs.keys():  # a user's placement stands
        if docs[article_id].story_id:
            result.placed[article_id] = docs[article_id].story_id
    return result


def _round_docs(clusterer: Clusterer, ids: list[int]) -> dict[int, Doc]:
    """The unsettled articles' docs: kept since ingest, or loaded (after a restart)."""
    docs = {i: clusterer.pending[i] for i in ids if i in clusterer.pending}
    missing = [i for i in ids if i not in docs]
    for doc in docs_by_ids(clusterer.db, missing) if missing else ():
        docs[doc.article_id] = doc
    return docs


def _near(clusterer: Clusterer, docs: dict[int, Doc]) -> dict[int, datetime]:
    """The settled articles decided again with the round's: those published within the
    long window of one of them (the ``MAX_NEAR`` nearest in time), so that every story
    near the round is judged on today's pairs and not on the shape an earlier round
    gave it; the open range when the rarities have drifted since it was last decided
    (see ``DRIFT``; its newest ``FULL_STORE`` articles)."""
    db = clusterer.db
    times = sorted(d.published for d in docs.values())
    if drifted(clusterer):
        live = clusterer.index
        since = datetime.min.replace(tzinfo=UTC)
        if clustered_count(db) > FULL_STORE and live.newest != float("-inf"):
            since = _utc(live.newest - live.horizon)
        found = settled_near(db, since=since)
        newest = [max(t for _, t in found).timestamp()] if found else []
        return dict(_nearest(found, newest, FULL_STORE))
    reach = clusterer.rules.long_window
    near: list[tuple[int, datetime]] = []
    for start, end in _spans(times, reach):
        near += settled_near(db, since=_utc(start), until=_utc(end))
    return dict(_nearest(near, times, MAX_NEAR))


def drifted(clusterer: Clusterer) -> bool:
    """The rarities' population grew by ``DRIFT`` since the last pass that decided the
    whole open range again: this one does (and says so to the next)."""
    df = clusterer.df
    population = df.total + df.prior_mass
    if population >= clusterer.settled_population * (1 + DRIFT):
        clusterer.settled_population = population
        return True
    return False


def _nearest(
    found: list[tuple[int, datetime]], times: list[float], limit: int
) -> list[tuple[int, datetime]]:
    """At most ``limit`` of ``found``: the nearest in time to one of ``times`` (sorted),
    ties by id, so that a busy week costs a bounded pass."""
    if len(found) <= limit:
        return found

    def distance(item: tuple[int, datetime]) -> tuple[float, int]:
        t = item[1].timestamp()
        i = bisect_left(times, t)
        gaps = [abs(times[j] - t) for j in (i - 1, i) if 0 <= j < len(times)]
        return min(gaps), item[0]

    return sorted(found, key=distance)[:limit]


def _index_for(clusterer: Clusterer, docs: dict[int, Doc], times: list[float]) -> CandidateIndex:
    """The live index when it covers every neighbour the pass's articles (``times``:
    when they were published) may have; else one loaded for their time spans (an
    import of old articles)."""
    reach = 2 * clusterer.rules.long_window  # a neighbour's neighbours, for reopening
    live = clusterer.index
    if all(live.covers(t - reach) for t in times):
        for doc in docs.values():
            if doc.article_id not in live.docs:
                live.add(doc)
        return live
    index = CandidateIndex(horizon_seconds=float("inf"), df=clusterer.df)
    for start, end in _spans(sorted(times), reach):
        for doc in load_docs(clusterer.db, since=_utc(start), until=_utc(end), settled_only=True):
            index.add(doc)
    for doc in docs.values():
        index.add(doc.copy())
    return index


def _spans(times: list[float], reach: float) -> Iterable[tuple[float, float]]:
    """The union of ``[t - reach, t + reach]`` over sorted ``times``, as intervals."""
    start = end = None
    for t in times:
        if end is not None and t - reach <= end:
            end = t + reach
            continue
        if start is not None and end is not None:
            yield start, end
        start, end = t - reach, t + reach
    if start is not None and end is not None:
        yield start, end


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
