"""The candidate index: which recent articles could tell the same event as a new one.

Every indexed article is a :class:`Doc` (its comparable features). An inverted index maps
each feature (an entity, a content word, a figure, a URL, a title key) to the articles in
the time window that have it. Candidates for a new article come from its rarest features
only (common ones such as "China" or "NVIDIA" are skipped as blocking keys), so the cost
of one lookup depends on the window's density, never on the size of the archive.

Document frequencies over the window double as rarity weights: "H20" and "licence" say
more than "China" and "NVIDIA".
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

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
# Rarity is measured against at least this many documents, so a nearly empty window does
# not call every word rare.
MIN_RARITY_POPULATION = 200
# Blocking: at most this many of an article's rarest features are looked up, and a
# feature shared by more than this many indexed articles is too common to block on.
MAX_BLOCKING_FEATURES = 10
MAX_POSTINGS = 100
# Rarities are memoized and recomputed every this many additions: they drift slowly,
# and computing a logarithm per word per pair would dominate an assignment.
RARITY_REFRESH = 64
# Index changes after which a doc's cached weight totals are recomputed.
NORM_REFRESH = 4096
# Candidates whose blocking score is below this share of the best one's are not scored:
# they share only a feature or two of many.
MIN_RELATIVE_BLOCKING = 0.3
# Exact identity features are always looked up, however common.
IDENTITY_PREFIXES = ("u:", "g:", "t:")


@dataclass(slots=True)
class Doc:
    """What clustering compares of one article."""

    article_id: int
    story_id: int
    feed_id: int
    lang: str
    published: float  # POSIX seconds
    title: str  # normalized, entities masked to canonical names
    title_key: str
    url: str
    guid: str
    entities: dict[str, str]  # canonical name -> kind
    words: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str] = frozenset()  # name-like words the tagger does not know
    features: tuple[str, ...] = field(default=())
    norms: tuple[int, float, float] = (-1, 0.0, 0.0)  # (generation, words, entities)

    def __post_init__(self) -> None:
        if not self.features:
            self.features = tuple(self._features())

    def _features(self) -> Iterator[str]:
        if self.url:
            yield "u:" + self.url
        if self.guid:
            yield "g:" + self.guid
        if self.title_key:
            yield "t:" + self.title_key
        yield from ("e:" + name for name in self.entities)
        yield from ("n:" + key for key in self.numbers)
        yield from ("p:" + name for name in self.names)
        yield from ("w:" + word for word in self.words)


class CandidateIndex:
    """Docs within a sliding time window, with an inverted index over their features."""

    def __init__(self, *, horizon_seconds: float) -> None:
        self.horizon = horizon_seconds
        self.docs: dict[int, Doc] = {}
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.stories: dict[int, set[int]] = defaultdict(set)
        self._expiry: list[tuple[float, int]] = []
        self.newest = float("-inf")
        # Entity and name frequencies over every article seen (not only the window):
        # "China" is common in this field even when the window is nearly empty.
        self.seen: Counter[str] = Counter()
        self.seen_total = 0
        # Rarity of a feature changes only when the index does: memoized until then.
        self._rarity: dict[str, float] = {}
        self.generation = 0

    def __len__(self) -> int:
        return len(self.docs)

    # ---- maintenance
    def add(self, doc: Doc) -> None:
        """Index ``doc`` (replacing an older version of the same article)."""
        self.remove(doc.article_id)
        self.generation += 1
        if self.generation % RARITY_REFRESH == 0 or len(self.docs) < MIN_RARITY_POPULATION:
            self._rarity.clear()
        self.docs[doc.article_id] = doc
        for feature in doc.features:
            self.postings[feature].add(doc.article_id)
        self.count_seen(f for f in doc.features if f.startswith(("e:", "p:")))
        self.stories[doc.story_id].add(doc.article_id)
        heapq.heappush(self._expiry, (doc.published, doc.article_id))
        if doc.published > self.newest:
            self.newest = doc.published
            self.evict()

    def count_seen(self, features: Iterable[str]) -> None:
        """Count one more article having ``features`` in the long-run frequencies."""
        self.seen_total += 1
        self.seen.update(features)

    def remove(self, article_id: int) -> Doc | None:
        """Forget one article (it stays in the expiry heap until it is popped)."""
        doc = self.docs.pop(article_id, None)
        if doc is None:
            return None
        for feature in doc.features:
            bucket = self.postings.get(feature)
            if bucket is not None:
                bucket.discard(article_id)
                if not bucket:
                    del self.postings[feature]
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

    def evict(self) -> None:
        """Drop articles published more than the horizon before the newest one."""
        limit = self.newest - self.horizon
        while self._expiry and self._expiry[0][0] < limit:
            published, article_id = heapq.heappop(self._expiry)
            doc = self.docs.get(article_id)
            if doc is not None and doc.published == published:
                self.remove(article_id)

    # ---- rarity
    def rarity(self, feature: str) -> float:
        """0..1: 1 for a feature no other article has, near 0 for ubiquitous ones.

        Entities and names use the long-run frequencies; words the window's.
        """
        cached = self._rarity.get(feature)
        if cached is not None:
            return cached
        if feature.startswith(("e:", "p:")):
            population = max(self.seen_total, MIN_RARITY_POPULATION)
            df = self.seen.get(feature, 0)
        else:
            population = max(len(self.docs), MIN_RARITY_POPULATION)
            df = len(self.postings.get(feature, ()))
        value = math.log1p(population / (df + 1)) / math.log1p(population)
        self._rarity[feature] = value
        return value

    def entity_weight(self, name: str, kind: str) -> float:
        """How much sharing this entity says: kind prior times rarity."""
        return KIND_PRIOR.get(kind, DEFAULT_KIND_PRIOR) * self.rarity("e:" + name)

    def doc_norms(self, doc: Doc) -> tuple[float, float]:
        """Total rarity weight of a doc's words and of its entities.

        Cached on the doc and refreshed every ``NORM_REFRESH`` index changes: rarity
        drifts slowly, and summing it over every word of every candidate for every
        new article would dominate the cost of an assignment.
        """
        generation, words, entities = doc.norms
        if generation < 0 or self.generation - generation >= NORM_REFRESH:
            words = sum(self.rarity("w:" + w) for w in doc.words)
            entities = sum(self.entity_weight(n, k) for n, k in doc.entities.items())
            doc.norms = (self.generation, words, entities)
        return words, entities

    # ---- lookup
    def candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> list[int]:
        """Up to ``limit`` indexed article ids that share rare features with ``doc`` and
        were published within the window of it, most shared rare features first.

        Identity features (URL, guid, title) count as ten shared features.
        """
        shared: Counter[int] = Counter()
        identity, rare = self._blocking_features(doc)
        for feature in rare:
            shared.update(self.postings[feature])  # counted in C: the hot loop
        for feature in identity:
            for article_id in self.postings[feature]:
                shared[article_id] += 10
        shared.pop(doc.article_id, None)
        if not shared:
            return []
        # Those under the floor would be cut after ranking anyway: drop them before
        # (most candidates share one feature); nlargest keeps the ties' order.
        floor = max(shared.values()) * MIN_RELATIVE_BLOCKING
        kept = [item for item in shared.items() if item[1] >= floor]
        ranked = heapq.nlargest(limit * 3, kept, key=itemgetter(1))
        found: list[int] = []
        docs = self.docs
        for article_id, _ in ranked:
            if abs(docs[article_id].published - doc.published) <= window_seconds:
                found.append(article_id)
                if len(found) == limit:
                    break
        return found

    def _blocking_features(self, doc: Doc) -> tuple[list[str], list[str]]:
        identity: list[str] = []
        ranked: list[tuple[int, str]] = []
        for feature in doc.features:
            postings = self.postings.get(feature)
            if not postings:
                continue
            if feature.startswith(IDENTITY_PREFIXES):
                identity.append(feature)
            elif len(postings) <= MAX_POSTINGS:
                ranked.append((len(postings), feature))
        ranked.sort()
        return identity, [feature for _, feature in ranked[:MAX_BLOCKING_FEATURES]]

    def story_docs(self, story_id: int) -> Iterable[Doc]:
        """Indexed articles of one story."""
        return (self.docs[a] for a in self.stories.get(story_id, ()) if a in self.docs)
