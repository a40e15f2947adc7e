"""Stories: each new article joins the story of the event it tells, or starts one.

:class:`Clusterer` is incremental: :meth:`Clusterer.assign` runs at ingest, inside the
caller's write transaction, once per article. It compares the article only with the
candidates an index over the time window proposes (rare entities, words, figures,
URLs; see :mod:`chipwatch.clustering.candidates`), scores each pair
(:mod:`chipwatch.clustering.scoring`), and joins the best story when the score reaches
``[cluster] threshold``. Why it joined (or why it did not) is stored with the article.

Articles a user placed by hand (``story_locked``) are never moved.

:meth:`Clusterer.assign` is :meth:`Clusterer.decide` (read-only: candidates, scores,
the story to join) then :meth:`Clusterer.record` (the writes and index upkeep); the
benchmark times the two apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from chipwatch.clustering.backfill import BackfillIndexes
from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.documents import StoryEvidence
from chipwatch.clustering.documents import build_doc as build_doc  # re-exported
from chipwatch.clustering.documents import load_docs as load_docs  # re-exported
from chipwatch.clustering.explanation import Explanation
from chipwatch.clustering.features import DocFeatures
from chipwatch.clustering.scoring import PairScore, score_pair
from chipwatch.clustering.signals import merged_weights
from chipwatch.config import ClusterConfig
from chipwatch.model import Article, Assignment, EntityMatch
from chipwatch.store.clustering import (
    leave_story,
    newest_clustered,
    placement,
    record_assignment,
)
from chipwatch.store.merged import live_story_id
from chipwatch.store.stories import (
    StoryState,
    add_to_story,
    refresh_story,
    start_story,
    story_state,
)
from chipwatch.textsafe import first_sentence

# Candidates proposed per article, and pairs actually scored: the blocking score ranks
# the rest out, and a story's best two candidates speak for it.
MAX_CANDIDATES = 24
MAX_PAIRS = 6
PAIRS_PER_STORY = 2
# A same-language pair scoring this much ends the search: nothing else will do better
# enough to matter, and most arrivals that join a story have such a pair.
CERTAIN = 0.85
# The index keeps twice the window, so an article published up to one window before
# the newest still sees every neighbour on both sides.
HORIZON_WINDOWS = 2
# How many articles one backfill bucket (for late, old articles) may load.
MAX_BACKFILL = 5000


@dataclass(slots=True)
class Decision:
    """What :meth:`Clusterer.decide` found for one article, for :meth:`Clusterer.record`.

    ``story_id`` is the live story of the best pair (None: no candidate story), ``best``
    that pair and ``matched`` the story's article in it; ``state`` the story row read
    for the join. ``locked``: the article was placed by hand in ``previous``.
    """

    doc: Doc
    article: Article
    previous: int | None
    locked: bool = False
    story_id: int | None = None
    best: PairScore | None = None
    matched: Doc | None = None
    state: StoryState | None = None


class Clusterer:
    """Assigns articles to stories; build one per store connection and keep it."""

    def __init__(
        self, db: Database, config: ClusterConfig, *, languages: Sequence[str] = ("en",)
    ) -> None:
        self.db = db
        self.config = config
        self.languages = tuple(languages)
        self.window = config.window.total_seconds()
        self.weights = merged_weights(config.weights)
        self.threshold = config.threshold
        self._alone = Explanation(threshold=self.threshold).to_json()
        self.index = CandidateIndex(horizon_seconds=HORIZON_WINDOWS * self.window)
        self.backfill = BackfillIndexes(
            self.window,
            lambda start, end: load_docs(self.db, since=start, until=end, limit=MAX_BACKFILL),
        )
        self.reload()

    # ---- index
    def reload(self) -> None:
        """Rebuild the index from the store: the articles within the horizon of the
        newest one. Call it after a transaction that ran :meth:`assign` rolled back."""
        self.index = CandidateIndex(horizon_seconds=HORIZON_WINDOWS * self.window)
        self.backfill.clear()
        newest = newest_clustered(self.db)
        if newest is None:
            return
        since = newest - timedelta(seconds=self.index.horizon)
        for doc in load_docs(self.db, since=since):
            self.index.add(doc)

    def _index_for(self, doc: Doc) -> CandidateIndex:
        """The live index, or for an article older than it covers, its time bucket's
        backfill index (loaded once, then kept current; see :mod:`.backfill`)."""
        if doc.published >= self.index.newest - self.index.horizon + self.window:
            return self.index
        return self.backfill.index_for(doc.published)

    def _remember(self, doc: Doc) -> None:
        """An assigned article joins the live index and any backfill bucket covering it."""
        self.index.add(doc)
        self.backfill.add(doc)

    # ---- assignment
    def assign(
        self,
        article_id: int,
        article: Article,
        matches: Sequence[EntityMatch],
        *,
        now: datetime,
        features: DocFeatures | None = None,
    ) -> Assignment:
        """Put one stored article into a story (existing or new) and record why.

        ``features``: the article's :func:`~.features.doc_features` when a parse worker
        already computed them (they are computed here otherwise)."""
        return self.record(self.decide(article_id, article, matches, features=features), now=now)

    def decide(
        self,
        article_id: int,
        article: Article,
        matches: Sequence[EntityMatch],
        *,
        features: DocFeatures | None = None,
    ) -> Decision:
        """Choose the story a stored article belongs to, writing nothing (the index may
        drop articles of stories that no longer exist). Pass the result to
        :meth:`record` before deciding for another article."""
        current, locked, feed_id = placement(self.db, article_id)
        doc = build_doc(article_id, current or 0, feed_id, article, matches, features)
        decision = Decision(doc, article, current)
        if locked and current:
            decision.locked = True
        else:
            self._best_story(decision, self._index_for(doc))
        return decision

    def record(self, decision: Decision, *, now: datetime) -> Assignment:
        """Write what :meth:`decide` chose: the article's story and explanation, the
        story row; then index the article."""
        doc, best = decision.doc, decision.best
        if decision.locked:
            assert decision.previous is not None
            return self._keep_locked(doc, decision.previous)
        if decision.story_id is not None and best is not None and best.score >= self.threshold:
            assignment = self._join(decision, decision.story_id, best)
        else:
            assignment = self._start(decision, best, now=now)
        self._record(decision, assignment)
        return assignment

    def _best_story(self, decision: Decision, index: CandidateIndex) -> None:
        doc = decision.doc
        by_story: dict[int, StoryEvidence] = {}
        scored = 0
        docs, weights, window, lang = index.docs, self.weights, self.window, doc.lang
        for candidate_id in index.iter_candidates(doc, window_seconds=window, limit=MAX_CANDIDATES):
            other = docs[candidate_id]
            evidence = by_story.get(other.story_id)
            if evidence is None:
                evidence = by_story[other.story_id] = StoryEvidence()
            elif evidence.pairs >= PAIRS_PER_STORY:
                continue
            pair = score_pair(doc, other, index, weights, window)
            evidence.add(pair, other, lang)
            scored += 1
            if scored >= MAX_PAIRS or (pair.score >= CERTAIN and other.lang == lang):
                break
        ranked = sorted(by_story.items(), key=lambda kv: -kv[1].score())
        for story_id, evidence in ranked:
            live = self._live_story(decision, story_id, joining=evidence.score() >= self.threshold)
            if live is None:
                for stale in list(index.story_docs(story_id)):
                    index.remove(stale.article_id)
                continue
            decision.story_id, decision.best = live, evidence.best()
            decision.matched = evidence.matched()
            return

    def _live_story(self, decision: Decision, story_id: int, *, joining: bool) -> int | None:
        """The story's current id (following merges), or None if its row is gone
        (a rolled-back transaction left it in the index). When the article is about to
        join it, the story row is read for :func:`add_to_story` at the same time."""
        doc = decision.doc
        if joining:
            state = story_state(self.db, story_id, feed_id=doc.feed_id, article_id=doc.article_id)
            if state is None:
                return None
            if state.merged_into is None:
                decision.state = state
                return story_id
        return live_story_id(self.db, story_id)

    def _join(self, decision: Decision, story_id: int, pair: PairScore) -> Assignment:
        matched = decision.matched
        return Assignment(
            story_id=story_id,
            new_story=False,
            score=pair.score,
            parts=pair.parts,  # built for this explanation, not kept by the pair's users
            shared_entities=tuple(pair.shared_entities[:12]),
            shared_words=tuple(pair.shared_words[:12]),
            matched_article_id=matched.article_id if matched else None,
        )

    def _start(self, decision: Decision, closest: PairScore | None, *, now: datetime) -> Assignment:
        article = decision.article
        story_id = start_story(
            self.db,
            article_id=decision.doc.article_id,
            title=article.title.strip() or first_sentence(article.summary),
            lang=article.lang or "und",
            published=article.published,
            now=now,
        )
        return Assignment(
            story_id=story_id,
            new_story=True,
            score=closest.score if closest else 0.0,
            parts=dict(closest.parts) if closest else {},
        )

    def _keep_locked(self, doc: Doc, story_id: int) -> Assignment:
        doc.story_id = story_id
        self._remember(doc)
        refresh_story(self.db, story_id, languages=self.languages)  # its title may be new
        return Assignment(story_id=story_id, new_story=False, score=1.0, parts={"locked": 1.0})

    def _explain(self, decision: Decision, assignment: Assignment) -> str:
        """The stored explanation (JSON) of an assignment."""
        best = decision.best
        if best is None and assignment.new_story and not assignment.parts:
            # A story started with no candidate at all: always the same explanation.
            return self._alone
        closest = best if best is not None and assignment.new_story else None
        matched = decision.matched if closest is not None else None
        return Explanation.of(
            assignment,
            threshold=self.threshold,
            shared_numbers=tuple(best.shared_numbers) if best is not None else None,
            closest_score=closest.score if closest is not None else None,
            closest_article_id=matched.article_id if matched is not None else None,
        ).to_json()

    def _record(self, decision: Decision, assignment: Assignment) -> None:
        doc, article = decision.doc, decision.article
        previous = decision.previous
        record_assignment(
            self.db,
            doc.article_id,
            assignment.story_id,
            score=assignment.score,
            explanation=self._explain(decision, assignment),
        )
        if previous == assignment.story_id:
            refresh_story(self.db, assignment.story_id, languages=self.languages)
        elif not assignment.new_story:
            add_to_story(
                self.db,
                assignment.story_id,
                article_id=doc.article_id,
                feed_id=doc.feed_id,
                lang=article.lang or "und",
                published=article.published,
                title=article.title.strip() or first_sentence(article.summary),
                languages=self.languages,
                state=decision.state if decision.story_id == assignment.story_id else None,
            )
        if previous and previous != assignment.story_id:
            leave_story(self.db, previous, assignment.story_id, languages=self.languages)
        doc.story_id = assignment.story_id
        self._remember(doc)
