"""Stories: each new article joins the story of the event it tells, or starts one.

Two steps. At ingest, inside the feed's write transaction, :meth:`Clusterer.assign`
places each article *provisionally*: it compares the article with the candidates an
index over the recent past proposes (:mod:`.candidates`), scores each pair
(:mod:`.scoring`) and joins the best story when the score reaches ``[cluster]
threshold``, so the monitor shows it at once. At the end of each polling round the
*settle* pass (:func:`.settle.settle`) decides again, for every
article placed since the last one, on one snapshot of the rarities and in an order that
does not depend on which feed finished first: the same articles give the same stories.
The pass reads what the clusterer keeps (its index, its frequencies, the articles
placed since the last pass, :attr:`Clusterer.pending`).

Articles a user placed by hand (``story_locked``) are never moved.

:meth:`Clusterer.assign` is :meth:`Clusterer.decide` (read-only: candidates, scores,
the story to join) then :meth:`Clusterer.record` (the writes and index upkeep); the
benchmark times the two apart. Rarities come from one store-wide table of document
frequencies (:mod:`.docfreq`); :meth:`Clusterer.end_batch` writes its changes in the
feed's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlite_utils import Database

from chipwatch.clustering.backfill import BackfillIndexes
from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.docfreq import DocumentFrequencies, load_frequencies
from chipwatch.clustering.documents import build_doc as build_doc  # re-exported
from chipwatch.clustering.documents import docs_by_ids
from chipwatch.clustering.documents import load_docs as load_docs  # re-exported
from chipwatch.clustering.features import DocFeatures
from chipwatch.clustering.first_window import FirstWindow
from chipwatch.clustering.recording import Decision as Decision  # re-exported
from chipwatch.clustering.recording import write_decision
from chipwatch.clustering.round_gather import Gathered
from chipwatch.clustering.scoring import PairScore, Rules, score_pair
from chipwatch.clustering.signals import merged_weights
from chipwatch.config import ClusterConfig
from chipwatch.model import Article, Assignment, EntityMatch
from chipwatch.store.clustering import (
    has_settled,
    mark_unsettled,
    mark_unsettled_many,
    newest_clustered,
    placement,
    unsettled_key_ranks,
)
from chipwatch.store.feature_df import write_feature_df
from chipwatch.store.merged import live_story_id
from chipwatch.store.stories import story_state

# Candidates proposed per article, and pairs actually scored at ingest.
MAX_CANDIDATES = 24
MAX_PAIRS = 6
# A same-language pair scoring this much ends the search: nothing else will do better
# enough to matter, and most arrivals that join a story have such a pair.
CERTAIN = 0.85
# Pairs further apart than the window may still be one event (a late follow-up, an
# estimated date) when they share something distinctive, up to this far.
LONG_WINDOW = timedelta(days=7)
# The index keeps the long window and a day more, so the settle pass of a round of
# recent articles finds every neighbour they may have in it.
HORIZON = LONG_WINDOW + timedelta(days=1)
# How many articles one backfill bucket (for late, old articles) may load.
MAX_BACKFILL = 5000
# Docs of the articles waiting for the settle pass kept in memory; the pass reads the
# others back from the store (the same values). ~2.5 KB each.
MAX_PENDING = 2000

# A new article for :meth:`Clusterer.defer_new`: (id, article, mentions, features).
Deferred = tuple[int, Article, Sequence[EntityMatch], DocFeatures | None]


class Clusterer:
    """Assigns articles to stories; build one per store connection and keep it.

    ``defer_old``: :meth:`place` leaves an article older than the live index covers,
    and every article of a first import, to the settle pass (False: every article is
    placed provisionally, the reference the tests compare with); ``max_pending``: docs
    kept for the pass (see ``MAX_PENDING``);
    ``sweep``: a first import is settled in windows of time (:mod:`.settle_sweep`;
    False: at once, the reference); ``later_rounds``: see :meth:`defer_new`.
    """

    defer_old = True
    max_pending = MAX_PENDING
    sweep = True
    # A first import's deferred docs join the live index for the rounds after it (the
    # sweep reads none); False for a clusterer that sees one round only (``poll --once``).
    later_rounds = True

    def __init__(
        self, db: Database, config: ClusterConfig, *, languages: Sequence[str] = ("en",)
    ) -> None:
        self.db = db
        self.config = config
        self.languages = tuple(languages)
        self.window = config.window.total_seconds()
        self.weights = merged_weights(config.weights)
        self.threshold = config.threshold
        self.rules = rules_for(config)
        self.horizon = max(2 * self.window, HORIZON.total_seconds())
        self.df = DocumentFrequencies()
        self.index = CandidateIndex(horizon_seconds=self.horizon, df=self.df)
        self.backfill = BackfillIndexes(
            self.window,
            lambda start, end: load_docs(self.db, since=start, until=end, limit=MAX_BACKFILL),
            df=self.df,
        )
        # Articles placed since the last settle pass (or not placed yet), by id: at
        # most ``max_pending`` docs; ``unkept``, the ids of the others.
        self.pending: dict[int, Doc] = {}
        self.unkept: set[int] = set()
        # The rarities' population at the last settle pass that decided the whole open
        # range again (:mod:`.settle`); 0 until one has (after a start: the first pass).
        self.settled_population = 0.0
        # Whether the round being written is a first import (no settled article in the
        # store): None until :meth:`place` asks, again after each settle pass.
        self.first_import: bool | None = None
        self.first_window = FirstWindow(self.rules.long_window)
        # A first import's round postings, gathered as it is written (.round_gather).
        self.gathered: Gathered | None = None
        self.reload()

    # ---- index
    def reload(self) -> None:
        """Rebuild the index and the frequencies from the store: the articles within
        the horizon of the newest one. Call it after a transaction that ran
        :meth:`assign` rolled back."""
        self.df = load_frequencies(self.db)
        self.index = CandidateIndex(horizon_seconds=self.horizon, df=self.df)
        self.backfill.df = self.df
        self.backfill.clear()
        self.pending.clear()
        self.unkept.clear()
        self.settled()
        newest = newest_clustered(self.db)
        if newest is None:
            return
        since = newest - timedelta(seconds=self.index.horizon)
        for doc in load_docs(self.db, since=since):
            self.index.add(doc)

    def _is_live(self, doc: Doc) -> bool:
        """The live index holds every neighbour of ``doc`` within the window."""
        return doc.published >= self.index.newest - self.index.horizon + self.window

    def _index_for(self, doc: Doc) -> CandidateIndex:
        """The live index, or for an article older than it covers, its time bucket's
        backfill index (loaded once, then kept current; see :mod:`.backfill`)."""
        if self._is_live(doc):
            return self.index
        return self.backfill.index_for(doc.published)

    def _remember(self, doc: Doc) -> None:
        """An assigned article joins the live index and any backfill bucket covering it."""
        self.index.add(doc)
        self.backfill.add(doc)

    def end_batch(self) -> None:
        """Write the frequency changes of the articles assigned since the last call
        (in the caller's transaction: the feed's); give back the postings of the
        articles the index evicted meanwhile (outside any one assignment)."""
        self.index.reclaim()
        changes, total = self.df.take_changes()
        if changes or total:
            write_feature_df(self.db, changes, total)

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
        decision = self._prepare(article_id, article, matches, features)
        if not decision.locked:
            self._best_story(decision, self._index_for(decision.doc))
        return decision

    def place(
        self,
        article_id: int,
        article: Article,
        matches: Sequence[EntityMatch],
        *,
        now: datetime,
        features: DocFeatures | None = None,
    ) -> Assignment | None:
        """:meth:`assign` as the pipeline calls it, where a round's settle pass decides
        every article of the round again: an article never placed is left to that pass,
        which places it once (None; its ``story_id`` stays NULL until then), when it is
        older than the live index covers (an archive) or when the round is a first
        import (:meth:`is_first_import`: the pass's sweep decides every article of it
        from scratch, so a provisional story would be thrown away). Other recent
        articles are placed at once, so the monitor shows today's news as it comes."""
        decision = self._prepare(article_id, article, matches, features)
        doc = decision.doc
        if (
            self.defer_old
            and decision.previous is None
            and (not self._is_live(doc) or self.is_first_import())
        ):
            mark_unsettled(self.db, article_id)
            self._keep(doc)
            if self.index.covers(doc.published):
                self.index.add(doc)  # story 0: not a candidate until placed
            return None
        if not decision.locked:
            self._best_story(decision, self._index_for(doc))
        return self.record(decision, now=now)

    def defers_new(self) -> bool:
        """Every article the writer inserts now waits for the settle pass: :meth:`place`
        would leave each to it (a first import), so :meth:`defer_new` may be used."""
        return self.defer_old and self.is_first_import()

    def defer_new(self, feed_id: int, items: Sequence[Deferred], *, now: datetime) -> None:
        """:meth:`place` of articles the writer has just inserted in ``feed_id``
        (``(article id, article, matches, features)``, in feed order), when
        :meth:`defers_new`: the same counts, marks, kept docs and index as placing them
        one by one, in a few statements and without reading their rows (a new article
        is in no story, not placed by hand, and its key is the article's). Without
        ``later_rounds`` (this clusterer sees one round: ``poll --once``) they do not
        join the live index: the round's sweep reads none, and no round follows."""
        docs = [
            build_doc(article_id, 0, feed_id, article, matches, features, key=article.key)
            for article_id, article, matches, features in items
        ]
        pending, indexed = self.pending, self.index.docs
        if any(doc.article_id in pending or doc.article_id in indexed for doc in docs):
            # An id the clusterer still holds (its article was deleted meanwhile): one by one.
            for article_id, article, matches, features in items:
                self.place(article_id, article, matches, now=now, features=features)
            return
        self.df.add_many(docs)
        mark_unsettled_many(self.db, [doc.article_id for doc in docs])
        index = self.index
        for doc in docs:
            self._keep(doc)
            if self.later_rounds and index.covers(doc.published):
                index.add(doc)  # story 0: not a candidate until placed

    def is_first_import(self) -> bool:
        """No article of the store was settled yet: the round's settle pass will be the
        first-import sweep, which places every article of the round once. Read from the
        store once a round (:meth:`settled`): articles only become settled there."""
        if self.first_import is None:
            self.first_import = self.sweep and not has_settled(self.db)
        return self.first_import

    def settled(self) -> None:
        """A settle pass ran (or the index was reloaded): the next round asks the
        store again, and its window starts afresh."""
        self.first_import = None
        self.first_window = FirstWindow(self.rules.long_window)
        self.gathered = None

    def before_edit(self, article_id: int) -> None:
        """An article is about to be rewritten: when it waits for the settle pass and
        its doc was not kept, read it now, while the store has its old text, so its
        old features leave the frequencies (as a kept one's do)."""
        if article_id in self.unkept:
            self.unkept.discard(article_id)
            for doc in docs_by_ids(self.db, [article_id]):
                self.pending[article_id] = doc

    def _prepare(
        self,
        article_id: int,
        article: Article,
        matches: Sequence[EntityMatch],
        features: DocFeatures | None,
    ) -> Decision:
        """The article's doc, counted in the frequencies; where it was placed."""
        current, locked, feed_id, key = placement(self.db, article_id)
        doc = build_doc(article_id, current or 0, feed_id, article, matches, features, key=key)
        self._count(doc, current)
        return Decision(doc, article, current, locked=bool(locked and current))

    def _keep(self, doc: Doc) -> None:
        """The doc waits for the settle pass: in memory while there is room, or in a
        first import while it lies where the sweep will hold it anyway
        (:mod:`.first_window`)."""
        article_id = doc.article_id
        first = self.is_first_import()
        if first:
            self.first_window.note(doc.published, self.pending, self.unkept)
            if self.gathered is None:
                self.gathered = Gathered(self.df, lambda: unsettled_key_ranks(self.db))
            self.gathered.add(doc)
        if (
            article_id in self.pending
            or len(self.pending) < self.max_pending
            or (first and self.first_window.admits(doc))
        ):
            self.pending[article_id] = doc
            self.unkept.discard(article_id)
        else:
            self.unkept.add(article_id)

    def _count(self, doc: Doc, current: int | None) -> None:
        """The article's features join the frequencies (an edited one's replace its
        old ones, when the old ones are at hand)."""
        old = self.pending.get(doc.article_id) or self.index.docs.get(doc.article_id)
        if old is not None:
            self.df.remove(old)
        elif current is not None:
            return  # edited, old features unknown: counted as they were
        self.df.add(doc)

    def record(self, decision: Decision, *, now: datetime) -> Assignment:
        """Write what :meth:`decide` chose: the article's story and explanation, the
        story row; then index the article. The placement waits for the settle pass."""
        assignment = write_decision(self, decision, now=now)
        if not decision.locked:
            mark_unsettled(self.db, decision.doc.article_id)
            self._keep(decision.doc)
        return assignment

    def _best_story(self, decision: Decision, index: CandidateIndex) -> None:
        doc = decision.doc
        best: tuple[float, str, PairScore, Doc] | None = None
        docs, weights, rules, lang = index.docs, self.weights, self.rules, doc.lang
        candidates = index.iter_candidates(
            doc, window_seconds=rules.long_window, limit=MAX_CANDIDATES
        )
        scored = 0
        for candidate_id in candidates:
            other = docs[candidate_id]
            if not other.story_id:
                continue  # left to the settle pass (place), not placed yet
            scored += 1
            pair = score_pair(doc, other, index, weights, rules)
            if pair.allowed and (best is None or (pair.score, other.key) > best[:2]):
                best = (pair.score, other.key, pair, other)
            if scored >= MAX_PAIRS or (pair.score >= CERTAIN and other.lang == lang):
                break
        if best is None:
            return
        _, _, pair, other = best
        live = self._live_story(decision, other.story_id, joining=pair.score >= self.threshold)
        if live is None:
            for stale in list(index.story_docs(other.story_id)):
                index.remove(stale.article_id)
            return
        decision.story_id, decision.best, decision.matched = live, pair, other

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


def rules_for(config: ClusterConfig) -> Rules:
    """The scoring rules of a config: the window, the long window (a day past it with
    slack, up to 7 days with a distinctive anchor), the time scale, the threshold."""
    window = config.window.total_seconds()
    return Rules(
        window=window,
        long_window=max(window, LONG_WINDOW.total_seconds()),
        time_scale=window * 4 / 3,
        threshold=config.threshold,
    )
