"""The settle pass of a first import, in windows of time (issue 20).

When no article of the store was settled yet (a first import: every article is the
round's own, nothing is reopened or kept whole), the pass of :mod:`.settle` reduces to:
score each article with its candidates on the index of the whole round, link the pairs
at the threshold strongest first, place. Holding the whole round for that (its docs, an
index over them, every scored pair) grows with the import; this does the same in one
sweep over the round in published order, holding a window of time:

1. **Blocking as on the whole round.** Which candidates an article gets depends on the
   whole index (a feature shared by more than ``MAX_POSTINGS`` articles, however far in
   time, is never looked up; the ranking is cut before the window is checked), so the
   round's postings are gathered first, read from the store a slice at a time:
   :class:`RoundPostings` keeps only those (a common feature's as a stand-in of its
   length, identities as digests), each article's time; no features, no keys.
2. **Scoring in published order**, each article with its candidates (within the long
   window of it: the docs ahead of it are loaded that far), every pair scored once.
3. **A group is decided once nothing later can reach it.** Groups only form through
   pairs at the threshold; a later article's candidates are within the long window of
   it, so once the sweep is past the newest article of a connected set of pairs by more
   than the long window, no pair will join it. Such sets are decided (the same linking
   as the whole-round pass: :meth:`.settle_pass.SettlePass.decide`) and written, a batch at a
   time, and their docs and pairs dropped.

Linking decisions only look at the two groups being linked, which lie in one connected
set, so deciding the sets apart gives the partition of the whole-round pass (proved on
the labelled set, realnews, and ``tests/test_clustered_once.py``); story ids may differ.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.collector import quiet_collector
from chipwatch.clustering.documents import docs_by_ids
from chipwatch.clustering.pair_score import ALLOWED, SCORE, VETOES, PairScore
from chipwatch.clustering.round_gather import Gathered, Order, in_canonical_order, slices
from chipwatch.clustering.round_postings import RoundPostings
from chipwatch.clustering.scoring import score_values
from chipwatch.clustering.settle_plan import Link, PairKey, Plan, SettleResult, StoryIds, canonical
from chipwatch.clustering.settle_write import write_plan
from chipwatch.store.clustering import unsettled_by_time, unsettled_key_ranks

if TYPE_CHECKING:
    from chipwatch.clustering.clusterer import Clusterer

# Articles decided (written) at a time.
BATCH = 2000


class Deciding(Protocol):
    """The whole-round pass (:class:`.settle_pass.SettlePass`), handed the pairs it decides."""

    pairs: dict[PairKey, Link]
    full: dict[PairKey, PairScore]
    adjacent: dict[int, list[tuple[int, Link]]]
    closest: dict[int, tuple[float, str, PairScore, Doc]]

    def decide(self) -> tuple[Plan, int]: ...


MakePass = Callable[["Clusterer", CandidateIndex, dict[int, Doc]], Deciding]


def sweep(
    clusterer: Clusterer,
    *,
    now: datetime,
    make_pass: MakePass,
    candidates: int,
    gathered: Gathered | None = None,
) -> SettleResult:
    """Settle a first import (see the module doc); the rarities are frozen already.
    ``make_pass`` builds the whole-round pass over some docs; ``candidates``: looked up
    per article; ``gathered``: the round's postings as its articles were written
    (:mod:`.round_gather`), used when they are exactly the round."""
    order = unsettled_by_time(clusterer.db)
    early: dict[int, Doc] = {}
    postings = in_canonical_order(clusterer.db, gathered, order)
    if postings is not None:
        until = postings.times[0] + clusterer.rules.long_window if len(postings) else None
    else:
        postings = RoundPostings(
            clusterer.df, lambda: unsettled_key_ranks(clusterer.db), size=len(order[0])
        )
        # Docs read for the postings and published within the long window of the
        # round's oldest: the scoring holds all of them at once before it decides
        # anything, so keeping them from the first read costs no more memory and spares
        # building each one again (a burst, every article within a few days, is read once).
        until = None
        for doc in _docs(clusterer, order):
            postings.add(doc)
            if until is None:
                until = doc.published + clusterer.rules.long_window
            if doc.published <= until and doc.article_id not in clusterer.pending:
                early[doc.article_id] = doc
    _release(clusterer, until)
    # The round's docs and postings (a burst's every doc) live until the sweep ends,
    # and the sweep makes no cyclic garbage: the collector is kept quiet meanwhile.
    with quiet_collector():
        return _Sweep(clusterer, postings, now, make_pass, candidates).run(order, early)


def _release(clusterer: Clusterer, until: float | None) -> None:
    """Let go of what the sweep does not need until it gets there (issue 20): the ids
    of the deferred articles whose docs the clusterer did not keep (~70 bytes an
    article; only an edit reads them, and nothing is edited during the pass), and the
    kept docs published after ``until``, the end of the round's first long window
    (``max_pending`` of them, ~6 KB each): read again from the store when the sweep
    reaches them, as every doc not kept is. New containers, not emptied ones: neither
    a set nor a dict shrinks its table. (Session 25 saw partitions vary with this;
    those replays ran in different directories, whose feed paths are part of the
    article keys. In one directory the partitions are the same: docs/performance.md,
    session 26.)"""
    clusterer.unkept = set()
    if until is not None:
        kept = clusterer.pending
        clusterer.pending = {i: doc for i, doc in kept.items() if doc.published <= until}


def _docs(clusterer: Clusterer, order: Order, early: dict[int, Doc] | None = None) -> Iterator[Doc]:
    """The round's docs in canonical order, read a slice at a time (:func:`.round_gather.slices`,
    each sorted). ``early``: docs already read, each handed out once (then forgotten)."""
    early = {} if early is None else early
    ids = order[0]
    for start, end in slices(order):
        chunk = ids[start:end]
        kept = {i: clusterer.pending[i] for i in chunk if i in clusterer.pending}
        kept.update((i, early.pop(i)) for i in chunk if i in early)
        missing = [i for i in chunk if i not in kept]
        loaded = docs_by_ids(clusterer.db, missing) if missing else []
        yield from sorted([*kept.values(), *loaded], key=canonical)


class _Sweep:
    """Scoring and deciding in published order, a window of time in memory."""

    def __init__(
        self,
        clusterer: Clusterer,
        postings: RoundPostings,
        now: datetime,
        make_pass: MakePass,
        candidates: int,
    ) -> None:
        self.clusterer = clusterer
        self.make_pass = make_pass
        self.candidates = candidates
        self.postings = postings
        self.now = now
        self.reach = clusterer.rules.long_window
        self.threshold = clusterer.threshold
        # Scoring reads rarities and cached weight totals only: an index without docs.
        self.index = CandidateIndex(horizon_seconds=float("inf"), df=clusterer.df)
        self.docs: dict[int, Doc] = {}  # loaded, not decided yet
        self.pairs: dict[PairKey, Link] = {}
        self.full: dict[PairKey, PairScore] = {}
        self.adjacent: dict[int, list[tuple[int, Link]]] = {}
        self.closest: dict[int, tuple[float, str, PairScore, Doc]] = {}
        self.parent: dict[int, int] = {}  # connected sets of pairs at the threshold
        self.newest: dict[int, float] = {}  # root -> its newest article's time
        self.loaded: deque[int] = deque()  # articles loaded, not yet past the window
        self.members: dict[int, list[int]] = {}  # root -> its articles
        self.done: list[int] = []  # articles whose set is complete, to decide
        self.taken = StoryIds()  # every story id the pass gave: a bitmap (issue 20)
        self.result = SettleResult()

    def run(self, order: Order, early: dict[int, Doc]) -> SettleResult:
        waiting: list[Doc] = []  # loaded, not scored yet (canonical order)
        for doc in _docs(self.clusterer, order, early):
            self._load(doc)
            waiting.append(doc)
            if waiting[0].published + self.reach < doc.published:
                waiting = self._score_until(waiting, doc.published - self.reach)
        self._score_until(waiting, float("inf"))
        self._close(float("inf"))
        self._decide()
        return self.result

    def _load(self, doc: Doc) -> None:
        article_id = doc.article_id
        self.docs[article_id] = doc
        self.parent[article_id] = article_id
        self.newest[article_id] = doc.published
        self.members[article_id] = [article_id]
        self.loaded.append(article_id)

    def _score_until(self, waiting: list[Doc], before: float) -> list[Doc]:
        """Score the waiting docs published before ``before`` (every candidate they
        may have is loaded), then decide the sets nothing can reach any more."""
        position = 0
        for position, doc in enumerate(waiting):  # noqa: B007
            if doc.published >= before:
                break
            self._collect(doc)
        else:
            position = len(waiting)
        if position:
            self._close(waiting[position - 1].published)
        return waiting[position:]

    def _collect(self, doc: Doc) -> None:
        docs, pairs, pair = self.docs, self.pairs, self._pair
        mine = (doc.published, doc.key, doc.article_id)  # canonical(doc)
        for other_id in self.postings.iter_candidates(
            doc, window_seconds=self.reach, limit=self.candidates
        ):
            other = docs[other_id]
            # In canonical order (as ``canonical`` compares), each pair scored once.
            if mine <= (other.published, other.key, other_id):
                if (doc.article_id, other_id) not in pairs:
                    pair(doc, other)
            elif (other_id, doc.article_id) not in pairs:
                pair(other, doc)

    def _pair(self, first: Doc, second: Doc) -> None:
        """Score a pair not scored yet, ``first`` before ``second`` in canonical order."""
        key = (first.article_id, second.article_id)
        c = self.clusterer
        values = score_values(first, second, self.index, c.weights, c.rules)
        score, allowed = values[SCORE], values[ALLOWED]
        link = self.pairs[key] = Link(score, allowed, values[VETOES])
        adjacent = self.adjacent
        adjacent.setdefault(key[0], []).append((key[1], link))
        adjacent.setdefault(key[1], []).append((key[0], link))
        self.result.pairs += 1
        if not allowed:
            return
        # The whole score (what an explanation names) only for a pair kept: an
        # article's closest so far, or one at the threshold.
        scored = None
        closest = self.closest
        for doc, other in ((first, second), (second, first)):
            known = closest.get(doc.article_id)
            if known is None or (score, other.key) > known[:2]:
                if scored is None:
                    scored = PairScore(*values)
                closest[doc.article_id] = (score, other.key, scored, other)
        if round(score, 6) >= self.threshold:
            self.full[key] = scored if scored is not None else PairScore(*values)
            self._union(*key)

    def _find(self, article_id: int) -> int:
        parent = self.parent
        while parent[article_id] != article_id:
            parent[article_id] = parent[parent[article_id]]
            article_id = parent[article_id]
        return article_id

    def _union(self, a: int, b: int) -> None:
        left, right = self._find(a), self._find(b)
        if left == right:
            return
        if len(self.members[left]) < len(self.members[right]):
            left, right = right, left
        self.parent[right] = left
        self.members[left] += self.members.pop(right)
        self.newest[left] = max(self.newest[left], self.newest.pop(right))

    def _close(self, scored_to: float) -> None:
        """Every set whose newest article is more than the long window before the
        newest scored article is complete: decided, a batch at a time."""
        limit = scored_to - self.reach
        # Only a set whose newest article the limit just passed can be complete now
        # (articles load in time order: those it passed are the first loaded), and
        # the sets go in the order of their roots' loading, as ``newest`` holds them.
        loaded, newest, docs, complete = self.loaded, self.newest, self.docs, []
        while loaded and docs[loaded[0]].published < limit:
            root = self._find(loaded.popleft())
            if newest.get(root, limit) < limit:
                del newest[root]
                complete.append(docs[root])
        for root_doc in sorted(complete, key=canonical):
            self.done += self.members.pop(root_doc.article_id)
        if len(self.done) >= BATCH or (self.done and scored_to == float("inf")):
            self._decide()

    def _decide(self) -> None:
        """Decide the complete sets as the whole-round pass would, write, forget."""
        ids, self.done = self.done, []
        if not ids:
            return
        batch = self.make_pass(self.clusterer, self.index, {i: self.docs[i] for i in ids})
        if len(ids) == len(self.docs):
            self._hand_over(batch)  # the last batch (a burst's only one): no copying
        else:
            self._hand_some(batch, ids)
        for i in ids:
            del self.docs[i], self.parent[i]
        plan, _ = batch.decide()
        written = write_plan(self.clusterer, plan, ids, now=self.now, taken=self.taken)
        _merge(self.result, written)

    def _hand_over(self, batch: Deciding) -> None:
        """Every loaded article is decided: the batch takes the sweep's tables as they
        are. Their pairs are all between loaded articles (a decided article's were
        dropped); an adjacency may still name a decided article (a pair under the
        threshold across two sets), which the batch never reads: it looks at the
        pairs between its own articles only, in the same order."""
        batch.pairs, self.pairs = self.pairs, {}
        batch.full, self.full = self.full, {}
        batch.adjacent, self.adjacent = self.adjacent, {}
        batch.closest, self.closest = self.closest, {}

    def _hand_some(self, batch: Deciding, ids: list[int]) -> None:
        """The batch's articles' pairs among themselves, their adjacencies in order and
        closest pairs move to the batch; their other pairs are forgotten."""
        inside = set(ids)
        done: list[PairKey] = []  # every pair of these articles: none is scored again
        for i in ids:
            for other, link in self.adjacent.pop(i, ()):
                key = (i, other) if (i, other) in self.pairs else (other, i)
                done.append(key)
                if other in inside:
                    batch.adjacent.setdefault(i, []).append((other, link))
                    batch.pairs[key] = link
                    if key in self.full:
                        batch.full[key] = self.full[key]
            if i in self.closest:
                batch.closest[i] = self.closest.pop(i)
        for key in done:
            self.pairs.pop(key, None)
            self.full.pop(key, None)


def _merge(into: SettleResult, part: SettleResult) -> None:
    into.placed.update(part.placed)
    into.merges += part.merges
    into.touched |= part.touched
    into.created += part.created
    into.emptied += part.emptied
