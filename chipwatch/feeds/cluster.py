"""Stories: each new article joins the story of the event it tells, or starts one.

:class:`Clusterer` is incremental: :meth:`Clusterer.assign` runs at ingest, inside the
caller's write transaction, once per article. It compares the article only with the
candidates an index over the time window proposes (rare entities, words, figures,
URLs; see :mod:`chipwatch.feeds.candidates`), scores each pair
(:mod:`chipwatch.feeds.scoring`), and joins the best story when the score reaches
``[cluster] threshold``. Why it joined (or why it did not) is stored with the article.

Articles a user placed by hand (``story_locked``) are never moved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from chipwatch.config import ClusterConfig
from chipwatch.feeds.backfill import BackfillIndexes
from chipwatch.feeds.candidates import CandidateIndex, Doc
from chipwatch.feeds.prepare import DocFeatures, doc_features
from chipwatch.feeds.prepare import canonical_url as canonical_url  # re-exported
from chipwatch.feeds.scoring import PairScore, merged_weights, score_pair
from chipwatch.feeds.similarity import first_sentence
from chipwatch.model import Article, Assignment, EntityMatch
from chipwatch.store.stories import (
    StoryState,
    add_to_story,
    refresh_story,
    resolve_story_id,
    start_story,
    story_state,
)
from chipwatch.timeutil import from_iso, iso

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
# Explanations as ``json.dumps(..., ensure_ascii=False)`` writes them, one encoder kept.
# (no cycle check: an explanation is a tree of plain values).
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


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
        self._matched: Doc | None = None
        # The story row read while choosing the story to join: (story id, its state).
        self._state: tuple[int, StoryState] | None = None
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
        row = self.db.execute(
            "SELECT max(published) FROM articles WHERE story_id IS NOT NULL"
        ).fetchone()
        if row is None or row[0] is None:
            return
        since = from_iso(row[0]) - timedelta(seconds=self.index.horizon)
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

        ``features``: the article's :func:`~.prepare.doc_features` when a parse worker
        already computed them (they are computed here otherwise)."""
        row = self.db.conn.execute(
            "SELECT story_id, story_locked, feed_id FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if row is None:
            raise ValueError(f"article {article_id} is not in the store")
        current, locked, feed_id = row
        doc = build_doc(article_id, current or 0, int(feed_id), article, matches, features)
        if locked and current:
            return self._keep_locked(doc, int(current))
        index = self._index_for(doc)
        best_story, best = self._best_story(doc, index)
        if best_story is not None and best is not None and best.score >= self.threshold:
            assignment = self._join(doc, best_story, best)
        else:
            assignment = self._start(doc, article, best, now=now)
        self._record(doc, article, assignment, previous=current, best=best)
        return assignment

    def _best_story(self, doc: Doc, index: CandidateIndex) -> tuple[int | None, Any]:
        by_story: dict[int, _StoryEvidence] = {}
        scored = 0
        docs, weights, window, lang = index.docs, self.weights, self.window, doc.lang
        for candidate_id in index.iter_candidates(doc, window_seconds=window, limit=MAX_CANDIDATES):
            other = docs[candidate_id]
            evidence = by_story.get(other.story_id)
            if evidence is None:
                evidence = by_story[other.story_id] = _StoryEvidence()
            elif evidence.pairs >= PAIRS_PER_STORY:
                continue
            pair = score_pair(doc, other, index, weights, window)
            evidence.add(pair, other, lang)
            scored += 1
            if scored >= MAX_PAIRS or (pair.score >= CERTAIN and other.lang == lang):
                break
        self._state = None
        ranked = sorted(by_story.items(), key=lambda kv: -kv[1].score())
        for story_id, evidence in ranked:
            live = self._live_story(story_id, doc, joining=evidence.score() >= self.threshold)
            if live is None:
                for stale in list(index.story_docs(story_id)):
                    index.remove(stale.article_id)
                continue
            self._matched = evidence.matched()
            return live, evidence.best()
        self._matched = None
        return None, None

    def _live_story(self, story_id: int, doc: Doc, *, joining: bool) -> int | None:
        """The story's current id (following merges), or None if its row is gone
        (a rolled-back transaction left it in the index). When the article is about to
        join it, the story row is read for :func:`add_to_story` at the same time."""
        if joining:
            state = story_state(self.db, story_id, feed_id=doc.feed_id, article_id=doc.article_id)
            if state is None:
                return None
            merged_into = state.merged_into
            if merged_into is None:
                self._state = (story_id, state)
        else:
            row = self.db.conn.execute(
                "SELECT merged_into FROM stories WHERE id = ?", [story_id]
            ).fetchone()
            if row is None:
                return None
            merged_into = row[0]
        return story_id if merged_into is None else resolve_story_id(self.db, story_id)

    def _join(self, doc: Doc, story_id: int, pair: PairScore) -> Assignment:
        matched = self._matched
        return Assignment(
            story_id=story_id,
            new_story=False,
            score=pair.score,
            parts=dict(pair.parts),
            shared_entities=tuple(pair.shared_entities[:12]),
            shared_words=tuple(pair.shared_words[:12]),
            matched_article_id=matched.article_id if matched else None,
        )

    def _start(
        self, doc: Doc, article: Article, closest: PairScore | None, *, now: datetime
    ) -> Assignment:
        story_id = start_story(
            self.db,
            article_id=doc.article_id,
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

    def _record(
        self,
        doc: Doc,
        article: Article,
        assignment: Assignment,
        *,
        previous: int | None,
        best: PairScore | None,
    ) -> None:
        explanation = assignment.explanation()
        explanation["threshold"] = self.threshold
        if best is not None:
            explanation["shared_numbers"] = list(best.shared_numbers)
            if assignment.new_story:
                explanation["closest_score"] = round(best.score, 4)
                if self._matched is not None:
                    explanation["closest_article_id"] = self._matched.article_id
        self.db.conn.execute(
            "UPDATE articles SET story_id = ?, cluster_score = ?, cluster_explain = ? WHERE id = ?",
            [
                assignment.story_id,
                round(assignment.score, 4),
                _JSON.encode(explanation),
                doc.article_id,
            ],
        )
        if previous == assignment.story_id:
            refresh_story(self.db, assignment.story_id, languages=self.languages)
        elif not assignment.new_story:
            known = self._state
            add_to_story(
                self.db,
                assignment.story_id,
                article_id=doc.article_id,
                feed_id=doc.feed_id,
                lang=article.lang or "und",
                published=article.published,
                title=article.title.strip() or first_sentence(article.summary),
                languages=self.languages,
                state=known[1] if known and known[0] == assignment.story_id else None,
            )
        if previous and previous != assignment.story_id:
            self._leave(previous, assignment.story_id)
        doc.story_id = assignment.story_id
        self._remember(doc)

    def _leave(self, old_story: int, new_story: int) -> None:
        """An updated article moved on: the old story shrinks; if it is left empty it
        points at the new one, so alerts on it still lead somewhere."""
        refresh_story(self.db, old_story, languages=self.languages)
        empty = self.db.execute(
            "SELECT article_count FROM stories WHERE id = ?", [old_story]
        ).fetchone()
        if empty is not None and empty[0] == 0:
            self.db.execute(
                "UPDATE stories SET merged_into = ? WHERE id = ?", [new_story, old_story]
            )


class _StoryEvidence:
    """The best pair scores between a new article and one story's articles.

    When the story has articles in the new article's language, those comparisons
    (titles and words included) decide; articles in other languages, compared on
    entities, figures and time only, decide alone only when there are none. This keeps
    a story from being joined through a loose cross-language link when a direct
    comparison says no.
    """

    def __init__(self) -> None:
        self.same: tuple[PairScore, Doc] | None = None
        self.other: tuple[PairScore, Doc] | None = None
        self.pairs = 0

    def add(self, pair: PairScore, doc: Doc, lang: str) -> None:
        self.pairs += 1
        if doc.lang == lang:
            if self.same is None or pair.score > self.same[0].score:
                self.same = (pair, doc)
        elif self.other is None or pair.score > self.other[0].score:
            self.other = (pair, doc)

    def _decisive(self) -> tuple[PairScore, Doc]:
        decisive = self.same if self.same is not None else self.other
        assert decisive is not None
        return decisive

    def score(self) -> float:
        return self._decisive()[0].score

    def best(self) -> PairScore:
        return self._decisive()[0]

    def matched(self) -> Doc:
        return self._decisive()[1]


# --------------------------------------------------------------------------- documents


def build_doc(
    article_id: int,
    story_id: int,
    feed_id: int,
    article: Article,
    matches: Sequence[EntityMatch],
    features: DocFeatures | None = None,
) -> Doc:
    """The comparable features of one article (``features`` when already computed)."""
    f = features if features is not None else doc_features(article, matches)
    return Doc(
        article_id=article_id,
        story_id=story_id,
        feed_id=feed_id,
        lang=f.lang,
        published=article.published.timestamp(),
        title=f.title,
        title_key=f.title_key,
        url=f.url,
        guid=f.guid,
        entities=f.entities,
        words=f.words,
        numbers=f.numbers,
        names=f.names,
    )


def load_docs(
    db: Database, *, since: datetime, until: datetime | None = None, limit: int | None = None
) -> list[Doc]:
    """Docs for the clustered articles published in ``[since, until]``."""
    where = "a.published >= ? AND a.story_id IS NOT NULL"
    params: list[Any] = [iso(since)]
    if until is not None:
        where += " AND a.published <= ?"
        params.append(iso(until))
    tail = f" LIMIT {int(limit)}" if limit else ""
    rows = db.execute(
        "SELECT a.id, a.story_id, a.feed_id, a.lang, a.published, a.title, a.summary, "
        f"a.url, a.guid FROM articles a WHERE {where} ORDER BY a.published{tail}",
        params,
    ).fetchall()
    matches = _matches_for(db, where, params)
    docs = []
    for aid, sid, fid, lang, published, title, summary, url, guid in rows:
        article = Article(
            key="",
            feed_url="",
            title=title,
            summary=summary,
            url=url,
            published=from_iso(published),
            fetched_at=from_iso(published),
            guid=guid,
            lang=lang,
        )
        docs.append(build_doc(aid, sid, fid, article, matches.get(aid, [])))
    return docs


def _matches_for(db: Database, where: str, params: list[Any]) -> dict[int, list[EntityMatch]]:
    found: dict[int, list[EntityMatch]] = {}
    rows = db.execute(
        'SELECT e.article_id, e.entity, e.kind, e.field, e.start, e."end" FROM '
        f"article_entities e JOIN articles a ON a.id = e.article_id WHERE {where}",
        params,
    ).fetchall()
    for aid, entity, kind, field, start, end in rows:
        found.setdefault(aid, []).append(EntityMatch(entity, kind, field, start, end, ""))
    return found
