"""The candidate index: which recent articles could tell the same event as a new one.

Every indexed article is a :class:`Doc` (its comparable features). An inverted index maps
each feature (an entity, an action, a figure, a name, a content word, a URL, a title key)
to the articles in the time window that have it. Candidates for a new article come from
its rarest features, with slots kept for each kind (entities, actions, figures, names,
then words), so an outlet's boilerplate words cannot crowd out the chip it names; a
feature shared by too many indexed articles is never looked up. The cost of one lookup
depends on the window's density, never on the size of the archive.

Rarity comes from the store-wide document frequencies (:mod:`.docfreq`), shared by every
index of one clusterer: "H20" and "licence" say more than "China" and "NVIDIA" whatever
the index holds. Ties are broken by the articles' keys (their feed identity), never by
the order they arrived in.
"""

from __future__ import annotations

import collections
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from itertools import chain, repeat
from typing import TypeVar

from chipwatch.clustering.doc import PREFIXES
from chipwatch.clustering.doc import Doc as Doc  # re-exported: its users import it here
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.evicted import Evicted, drop_postings

# Counter's own C loop (count into a dict from an iterable): not public, but the hot
# loop of candidate lookup (benchmarks/bench_cluster.py).
_count_elements = collections._count_elements  # type: ignore[attr-defined]

# Prior weight of an entity by kind, before rarity: a chip or a policy term names an
# event more precisely than a place.
KIND_PRIOR: dict[str, float] = {
    "chip": 1.0,
    "policy": 0.9,
    "person": 0.8,
    "company": 0.7,
    "agency": 0.6,
    "place": 0.35,
}
DEFAULT_KIND_PRIOR = 0.6
# Blocking: how many keys of each kind are looked up (entities, actions, figures, names;
# words fill the rest up to MAX_BLOCKING_FEATURES), and a feature shared by more than
# MAX_POSTINGS indexed articles is too common to block on.
BLOCKING_SLOTS = (("e", 4), ("a", 2), ("n", 2), ("p", 2))
MAX_BLOCKING_FEATURES = 12
MAX_POSTINGS = 150
# A blocking key counts for its rarity, in quarters (1..4): a shared chip outranks two
# shared ordinary words. Identity features (URL, guid, title) count as ten keys.
_QUARTERS = 4
_IDENTITY = 10 * _QUARTERS
# Index changes after which a doc's cached weight totals are recomputed.
NORM_REFRESH = 4096
# Candidates whose blocking score is below this share of the best one's are not scored:
# they share only a feature or two of many.
MIN_RELATIVE_BLOCKING = 0.3
# Evicted articles whose postings wait (:mod:`.evicted`): a jump of the newest time
# evicts ~100 at once. They are given back at the end of a feed's transaction
# (:meth:`CandidateIndex.reclaim`); past HELD_AT_MOST, RECLAIM_STEP per add.
HELD_AT_MOST = 512
RECLAIM_STEP = 8
_WORDS = 6  # index of the words' postings in CandidateIndex.kinds


_IDENTITY_KINDS = 3  # the first three: looked up whatever their postings' size


class CandidateIndex:
    """Docs within a sliding time window, with an inverted index over their features.

    The postings are kept per feature kind, keyed by the bare text (one dict per kind
    of :data:`~.doc.PREFIXES`), so neither indexing nor lookup builds ``kind:text`` strings.
    ``df``: the store-wide frequencies, shared by every index of a clusterer (which
    counts the articles it stores); an index made without one counts what it indexes.
    ``held_at_most``: evicted articles whose postings may wait for :meth:`reclaim`
    before :meth:`add` gives them back itself (None: at once, eager eviction, the
    reference the tests compare with).
    """

    held_at_most: int | None = HELD_AT_MOST

    def __init__(self, *, horizon_seconds: float, df: DocumentFrequencies | None = None) -> None:
        self.horizon = horizon_seconds
        self.docs: dict[int, Doc] = {}
        self.times: dict[int, float] = {}  # article id -> published, for the window test
        self.kinds: tuple[defaultdict[str, set[int]], ...] = tuple(
            defaultdict(set) for _ in PREFIXES
        )
        self.stories: dict[int, set[int]] = defaultdict(set)
        self._expiry: list[tuple[float, int]] = []
        self.evicted = Evicted(self.kinds)
        self.newest = float("-inf")
        self.counting = df is None
        self.df = df if df is not None else DocumentFrequencies()
        # The frequencies' memoized rarities, by bare text (the hot lookups of scoring).
        self.word_rarity = self.df.word_rarity
        self.entity_rarity = self.df.entity_rarity
        self.name_rarity = self.df.name_rarity
        self.rarity_of_word = self.df.rarity_of_word
        self.rarity_of_entity = self.df.rarity_of_entity
        self.rarity_of_name = self.df.rarity_of_name

    def __len__(self) -> int:
        return len(self.docs)

    def postings(self, feature: str) -> set[int]:
        """The indexed articles having ``feature`` (``kind:text``); empty if none."""
        kind = PREFIXES.index(feature[:2]) if feature[:2] in PREFIXES else -1
        found = set() if kind < 0 else set(self.kinds[kind].get(feature[2:], ()))
        return found - self.evicted.ids

    # ---- maintenance
    def add(self, doc: Doc) -> None:
        """Index ``doc`` (replacing an older version of the same article)."""
        article_id = doc.article_id
        if article_id in self.evicted.ids:
            self.evicted.reclaim_id(article_id)  # its old keys' postings go first
        if article_id in self.docs:
            old = self.remove(article_id)
            if old is not None and self.counting:
                self.df.remove(old)
        self.docs[article_id] = doc
        self.times[article_id] = doc.published
        for postings, keys in zip(self.kinds, doc.keyed(), strict=True):
            for key in keys:
                postings[key].add(article_id)
        if self.counting:
            self.df.add(doc)
        self.stories[doc.story_id].add(article_id)
        heapq.heappush(self._expiry, (doc.published, article_id))
        if doc.published > self.newest:
            self.newest = doc.published
            self.evict()
        held = len(self.evicted)
        if held and (self.held_at_most is None or held > self.held_at_most):
            self.evicted.reclaim(None if self.held_at_most is None else RECLAIM_STEP)

    def reclaim(self) -> None:
        """Give back the postings of every evicted article (the lookups skip them
        meanwhile; call it where no one waits, e.g. at the end of a feed)."""
        self.evicted.reclaim(None)

    def remove(self, article_id: int) -> Doc | None:
        """Forget one article (it stays in the expiry heap until it is popped)."""
        doc = self._forget(article_id)
        if doc is not None:
            drop_postings(self.kinds, doc)
        return doc

    def _forget(self, article_id: int) -> Doc | None:
        """Take one article out of the docs, the times and its story (not the
        postings: the caller drops them now or holds them for later)."""
        doc = self.docs.pop(article_id, None)
        if doc is None:
            return None
        del self.times[article_id]
        members = self.stories.get(doc.story_id)
        if members is not None:
            members.discard(article_id)
            if not members:
                del self.stories[doc.story_id]
        return doc

    def move(self, article_id: int, story_id: int) -> None:
        """Record that an indexed article now belongs to ``story_id``."""
        doc = self.docs.get(article_id)
        if doc is None or doc.story_id == story_id:
            return
        self.stories[doc.story_id].discard(article_id)
        if not self.stories[doc.story_id]:
            del self.stories[doc.story_id]
        doc.story_id = story_id
        self.stories[story_id].add(article_id)

    def move_story(self, story_id: int, into: int) -> None:
        """Record that every indexed article of ``story_id`` now belongs to ``into``."""
        for article_id in list(self.stories.get(story_id, ())):
            self.move(article_id, into)

    def evict(self) -> None:
        """Drop articles published more than the horizon before the newest one: at
        once from the docs, the times and the stories; their postings are held in
        :attr:`evicted` until :meth:`reclaim` (lookups skip them meanwhile)."""
        limit = self.newest - self.horizon
        while self._expiry and self._expiry[0][0] < limit:
            published, article_id = heapq.heappop(self._expiry)
            doc = self.docs.get(article_id)
            if doc is not None and doc.published == published:
                self._forget(article_id)
                self.evicted.hold(doc)

    def covers(self, published: float) -> bool:
        """Every stored article published at ``published`` or later is indexed here
        (when the index holds what was loaded and assigned since)."""
        return published >= self.newest - self.horizon

    # ---- rarity
    def rarity(self, feature: str) -> float:
        """0..1: 1 for a feature no other article has, near 0 for ubiquitous ones
        (store-wide: :mod:`.docfreq`). URL, guid and title keys are always rare."""
        kind = feature[:2]
        if kind in ("e:", "w:", "p:", "n:", "a:"):
            return self.df.rarity(kind[0], feature[2:])
        return 1.0

    def entity_weight(self, name: str, kind: str) -> float:
        """How much sharing this entity says: kind prior times rarity."""
        rarity = self.entity_rarity.get(name) or self.rarity_of_entity(name, kind)
        return KIND_PRIOR.get(kind, DEFAULT_KIND_PRIOR) * rarity

    def doc_norms(self, doc: Doc) -> tuple[float, float]:
        """Total rarity weight of a doc's words and of its entities.

        Cached on the doc and refreshed every ``NORM_REFRESH`` changes of the
        frequencies (and at once after :meth:`DocumentFrequencies.freeze`): rarity
        drifts slowly, and summing it over every word of every candidate for every
        new article would dominate the cost of an assignment.
        """
        stamp, words, entities = doc.norms
        if self.df.stamp - stamp >= NORM_REFRESH:
            known, word = self.word_rarity.get, self.rarity_of_word
            words = math.fsum([known(w) or word(w) for w in doc.words])  # exact: set order
            known_e, entity = self.entity_rarity.get, self.rarity_of_entity
            prior = KIND_PRIOR.get
            entities = math.fsum(
                [
                    prior(k, DEFAULT_KIND_PRIOR) * (known_e(n) or entity(n, k))
                    for n, k in doc.entities.items()
                ]
            )
            doc.norms = (self.df.stamp, words, entities)
        return words, entities

    # ---- lookup
    def candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> list[int]:
        """Up to ``limit`` indexed article ids that share rare features with ``doc`` and
        were published within the window of it, the most (and rarest) shared first;
        ties by article key."""
        return list(self.iter_candidates(doc, window_seconds=window_seconds, limit=limit))

    def iter_candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> Iterator[int]:
        """:meth:`candidates`, one at a time: the window is checked only for those
        asked for (an assignment often stops at the first)."""
        shared: dict[int, int] = {}
        _count_elements(shared, self._blocking_stream(doc))  # counted in C: the hot loop
        shared.pop(doc.article_id, None)
        if not shared:
            return
        # Those under the floor (a share of the best) are not ranked: most candidates
        # share one feature of many.
        floor = ranking_floor(shared.values(), limit * 3)
        docs = self.docs
        ranked = [(-count, docs[i].key, i) for i, count in shared.items() if count >= floor]
        ranked.sort()
        found = 0
        times = self.times
        published = doc.published
        for _, _, article_id in ranked[: limit * 3]:
            if abs(times[article_id] - published) <= window_seconds:
                yield article_id
                found += 1
                if found == limit:
                    return

    def _blocking_stream(self, doc: Doc) -> Iterable[int]:
        """Article ids of the postings of the doc's blocking keys, each repeated by its
        weight (identities: ten keys; others: their rarity in quarters)."""
        if self.evicted.ids:  # the postings read are those of eager eviction
            self.evicted.purge(doc, identities=_IDENTITY_KINDS, cap=MAX_POSTINGS)
        urls, guids, titles, entities, numbers, names, words, actions = self.kinds
        parts: list[Iterable[int]] = []
        for key, postings_of in ((doc.url, urls), (doc.guid, guids), (doc.title_key, titles)):
            if key and (postings := postings_of.get(key)):
                parts.extend(repeat(postings, _IDENTITY))
        df = self.df
        chosen = 0
        for keys, by_key, cap, known, compute in blocking_kinds(
            doc, df, entities, actions, numbers, names, words
        ):
            ranked = [
                (-(known(key) or compute(key)), len(postings), key, postings)
                for key in keys
                if (postings := by_key.get(key)) and len(postings) <= MAX_POSTINGS
            ]
            if not ranked:
                continue
            ranked.sort(key=_first_three)
            room = min(cap, MAX_BLOCKING_FEATURES - chosen)
            for negative, _, _, postings in ranked[:room]:
                parts.extend(repeat(postings, max(1, round(-negative * _QUARTERS))))
            chosen += min(room, len(ranked))
            if chosen >= MAX_BLOCKING_FEATURES:
                break
        return chain.from_iterable(parts)

    def story_docs(self, story_id: int) -> Iterable[Doc]:
        """Indexed articles of one story."""
        return (self.docs[a] for a in self.stories.get(story_id, ()) if a in self.docs)


def ranking_floor(counts: Collection[int], take: int) -> float:
    """The least blocking count a candidate needs to be ranked: a share of the best
    (``MIN_RELATIVE_BLOCKING``), or when more than ``take`` reach that, the ``take``-th
    largest count. Candidates rank by count first, so the first ``take`` of the ranking
    are the same without those under it: they are not looked up (each a doc's key, a
    cache miss on a big index) nor sorted. Exact: ``tests/test_cluster_fastpath.py``."""
    floor = max(counts) * MIN_RELATIVE_BLOCKING
    if len(counts) <= take:
        return floor
    passing = [count for count in counts if count >= floor]
    if len(passing) <= take:
        return floor
    passing.sort(reverse=True)
    return max(floor, passing[take - 1])


P = TypeVar("P")
# A doc's keys of one kind, their postings, how many may be chosen, the memoized
# rarity lookup and the computing one.
BlockingKind = tuple[
    Iterable[str], Mapping[str, P], int, Callable[[str], float | None], Callable[[str], float]
]


def blocking_kinds(
    doc: Doc,
    df: DocumentFrequencies,
    entities: Mapping[str, P],
    actions: Mapping[str, P],
    numbers: Mapping[str, P],
    names: Mapping[str, P],
    words: Mapping[str, P],
) -> tuple[BlockingKind[P], ...]:
    """The blocking kinds in the order their keys are chosen: the doc's keys, their
    postings, how many of the kind may be chosen, and the kind's memoized rarity, else
    computed (what ``df.rarity(kind, key)`` does). The one rule of this index and of a
    first import's round postings (:mod:`.round_postings`)."""
    return (
        (doc.entities, entities, 4, df.entity_rarity.get, df.rarity_of_entity),
        (doc.action_keys, actions, 2, df.action_rarity.get, df.rarity_of_action),
        (doc.numbers, numbers, 2, df.figure_rarity.get, df.rarity_of_figure),
        (doc.names, names, 2, df.name_rarity.get, df.rarity_of_name),
        (doc.words, words, MAX_BLOCKING_FEATURES, df.word_rarity.get, df.rarity_of_word),
    )


def _first_three(item: tuple[float, int, str, set[int]]) -> tuple[float, int, str]:
    return item[0], item[1], item[2]
