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

import collections
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

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
# Blocking features are ranked by postings size, then by ``kind:text`` (kind prefixes
# are all two characters, so comparing (kind, text) compares ``kind:text``).
_BLOCKING_ORDER = itemgetter(0, 1, 2)
_WORDS = 6  # index of the words' postings in CandidateIndex.kinds


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
    norms: tuple[int, float, float] = (-1, 0.0, 0.0)  # (generation, words, entities)

    @property
    def features(self) -> tuple[str, ...]:
        """Every indexed feature, each as ``kind:text`` (``u:`` URL, ``g:`` guid,
        ``t:`` title key, ``e:`` entity, ``n:`` figure, ``p:`` name, ``w:`` word)."""
        return tuple(
            prefix + key
            for prefix, keys in zip(_PREFIXES, self.keyed(), strict=True)
            for key in keys
        )

    def keyed(self) -> tuple[Iterable[str], ...]:
        """The doc's keys of each feature kind, in :data:`_PREFIXES` order."""
        return (
            (self.url,) if self.url else (),
            (self.guid,) if self.guid else (),
            (self.title_key,) if self.title_key else (),
            self.entities,
            self.numbers,
            self.names,
            self.words,
        )

    def copy(self) -> Doc:
        """The same article for another index, without its cached weight totals."""
        return Doc(
            self.article_id,
            self.story_id,
            self.feed_id,
            self.lang,
            self.published,
            self.title,
            self.title_key,
            self.url,
            self.guid,
            self.entities,
            self.words,
            self.numbers,
            self.names,
        )


# Feature kinds: identities (always looked up), then the blocking kinds.
_PREFIXES = ("u:", "g:", "t:", "e:", "n:", "p:", "w:")


class CandidateIndex:
    """Docs within a sliding time window, with an inverted index over their features.

    The postings are kept per feature kind, keyed by the bare text (one dict per kind
    of :data:`_PREFIXES`), so neither indexing nor lookup builds ``kind:text`` strings.
    """

    def __init__(self, *, horizon_seconds: float) -> None:
        self.horizon = horizon_seconds
        self.docs: dict[int, Doc] = {}
        self.times: dict[int, float] = {}  # article id -> published, for the window test
        self.kinds: tuple[defaultdict[str, set[int]], ...] = tuple(
            defaultdict(set) for _ in _PREFIXES
        )
        self.stories: dict[int, set[int]] = defaultdict(set)
        self._expiry: list[tuple[float, int]] = []
        self.newest = float("-inf")
        # Entity and name frequencies over every article seen (not only the window):
        # "China" is common in this field even when the window is nearly empty.
        self.entity_seen: Counter[str] = Counter()
        self.name_seen: Counter[str] = Counter()
        self.seen_total = 0
        # Rarity of a feature changes only when the index does: memoized until then,
        # words, entities and names by their bare text (the hot lookups of scoring),
        # any other feature by itself. All four are cleared together.
        self._rarity: dict[str, float] = {}
        self.word_rarity: dict[str, float] = {}
        self.entity_rarity: dict[str, float] = {}
        self.name_rarity: dict[str, float] = {}
        self.generation = 0

    def __len__(self) -> int:
        return len(self.docs)

    def postings(self, feature: str) -> set[int]:
        """The indexed articles having ``feature`` (``kind:text``); empty if none."""
        kind = _PREFIXES.index(feature[:2]) if feature[:2] in _PREFIXES else -1
        return set() if kind < 0 else set(self.kinds[kind].get(feature[2:], ()))

    # ---- maintenance
    def add(self, doc: Doc) -> None:
        """Index ``doc`` (replacing an older version of the same article)."""
        article_id = doc.article_id
        if article_id in self.docs:
            self.remove(article_id)
        self.generation += 1
        if self.generation % RARITY_REFRESH == 0 or len(self.docs) < MIN_RARITY_POPULATION:
            self._forget_rarity()
        self.docs[article_id] = doc
        self.times[article_id] = doc.published
        for postings, keys in zip(self.kinds, doc.keyed(), strict=True):
            for key in keys:
                postings[key].add(article_id)
        self.seen_total += 1
        _count_elements(self.entity_seen, doc.entities)
        _count_elements(self.name_seen, doc.names)
        self.stories[doc.story_id].add(article_id)
        heapq.heappush(self._expiry, (doc.published, article_id))
        if doc.published > self.newest:
            self.newest = doc.published
            self.evict()

    def _forget_rarity(self) -> None:
        self._rarity.clear()
        self.word_rarity.clear()
        self.entity_rarity.clear()
        self.name_rarity.clear()

    def count_seen(self, features: Iterable[str]) -> None:
        """Count one more article having ``features`` (``e:`` entities and ``p:``
        names) in the long-run frequencies."""
        self.seen_total += 1
        for feature in features:
            if feature.startswith("e:"):
                self.entity_seen[feature[2:]] += 1
            elif feature.startswith("p:"):
                self.name_seen[feature[2:]] += 1

    def remove(self, article_id: int) -> Doc | None:
        """Forget one article (it stays in the expiry heap until it is popped)."""
        doc = self.docs.pop(article_id, None)
        if doc is None:
            return None
        del self.times[article_id]
        for postings, keys in zip(self.kinds, doc.keyed(), strict=True):
            for key in keys:
                bucket = postings.get(key)
                if bucket is not None:
                    bucket.discard(article_id)
                    if not bucket:
                        del postings[key]
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
        kind, text = feature[:2], feature[2:]
        if kind == "w:":
            return self.word_rarity.get(text) or self.rarity_of_word(text)
        if kind == "e:":
            return self.entity_rarity.get(text) or self.rarity_of_entity(text)
        if kind == "p:":
            return self.name_rarity.get(text) or self.rarity_of_name(text)
        cached = self._rarity.get(feature)
        if cached is None:
            postings = self.kinds[_PREFIXES.index(kind)] if kind in _PREFIXES else {}
            cached = self._rarity[feature] = self._window_rarity(postings, text)
        return cached

    # A rarity is never 0 (log1p of a positive number), so ``cache.get(x) or ...``
    # computes only what is not memoized.
    def rarity_of_word(self, word: str) -> float:
        """:meth:`rarity` of ``"w:" + word``, computed and memoized."""
        value = self.word_rarity[word] = self._window_rarity(self.kinds[_WORDS], word)
        return value

    def rarity_of_entity(self, name: str) -> float:
        """:meth:`rarity` of ``"e:" + name``, computed and memoized."""
        value = self.entity_rarity[name] = self._long_run_rarity(self.entity_seen, name)
        return value

    def rarity_of_name(self, name: str) -> float:
        """:meth:`rarity` of ``"p:" + name``, computed and memoized."""
        value = self.name_rarity[name] = self._long_run_rarity(self.name_seen, name)
        return value

    def _window_rarity(self, postings: Mapping[str, set[int]], key: str) -> float:
        population = max(len(self.docs), MIN_RARITY_POPULATION)
        df = len(postings.get(key, ()))
        return math.log1p(population / (df + 1)) / math.log1p(population)

    def _long_run_rarity(self, seen: Mapping[str, int], key: str) -> float:
        population = max(self.seen_total, MIN_RARITY_POPULATION)
        df = seen.get(key, 0)
        return math.log1p(population / (df + 1)) / math.log1p(population)

    def entity_weight(self, name: str, kind: str) -> float:
        """How much sharing this entity says: kind prior times rarity."""
        rarity = self.entity_rarity.get(name) or self.rarity_of_entity(name)
        return KIND_PRIOR.get(kind, DEFAULT_KIND_PRIOR) * rarity

    def doc_norms(self, doc: Doc) -> tuple[float, float]:
        """Total rarity weight of a doc's words and of its entities.

        Cached on the doc and refreshed every ``NORM_REFRESH`` index changes: rarity
        drifts slowly, and summing it over every word of every candidate for every
        new article would dominate the cost of an assignment.
        """
        generation, words, entities = doc.norms
        if generation < 0 or self.generation - generation >= NORM_REFRESH:
            known, word = self.word_rarity.get, self.rarity_of_word
            words = sum([known(w) or word(w) for w in doc.words])
            known, entity = self.entity_rarity.get, self.rarity_of_entity
            prior = KIND_PRIOR.get
            entities = sum(
                [
                    prior(k, DEFAULT_KIND_PRIOR) * (known(n) or entity(n))
                    for n, k in doc.entities.items()
                ]
            )
            doc.norms = (self.generation, words, entities)
        return words, entities

    # ---- lookup
    def candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> list[int]:
        """Up to ``limit`` indexed article ids that share rare features with ``doc`` and
        were published within the window of it, most shared rare features first.

        Identity features (URL, guid, title) count as ten shared features.
        """
        return list(self.iter_candidates(doc, window_seconds=window_seconds, limit=limit))

    def iter_candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> Iterator[int]:
        """:meth:`candidates`, one at a time: the window is checked only for those
        asked for (an assignment often stops at the first)."""
        identity, rare = self._blocking_features(doc)
        shared: dict[int, int] = {}
        _count_elements(shared, chain.from_iterable(rare))  # counted in C: the hot loop
        for postings in identity:
            for article_id in postings:
                shared[article_id] = shared.get(article_id, 0) + 10
        shared.pop(doc.article_id, None)
        if not shared:
            return
        # Most shared first, ties in the order first seen (a stable sort). Those under
        # the floor (a share of the best) are not ranked: most candidates share one
        # feature of many.
        ranked = sorted(shared.items(), key=itemgetter(1), reverse=True)
        floor = ranked[0][1] * MIN_RELATIVE_BLOCKING
        found = 0
        times = self.times
        published = doc.published
        for article_id, count in ranked[: limit * 3]:
            if count < floor:
                return
            if abs(times[article_id] - published) <= window_seconds:
                yield article_id
                found += 1
                if found == limit:
                    return

    def _blocking_features(self, doc: Doc) -> tuple[list[set[int]], list[set[int]]]:
        """The postings of the doc's identity features (all that have any), and of its
        rarest other features: ranked by postings size, then ``kind:text``."""
        urls, guids, titles, entities, numbers, names, words = self.kinds
        identity = []
        if doc.url and (postings := urls.get(doc.url)):
            identity.append(postings)
        if doc.guid and (postings := guids.get(doc.guid)):
            identity.append(postings)
        if doc.title_key and (postings := titles.get(doc.title_key)):
            identity.append(postings)
        ranked = [
            (len(postings), prefix, key, postings)
            for prefix, get, keys in (
                ("e:", entities.get, doc.entities),
                ("n:", numbers.get, doc.numbers),
                ("p:", names.get, doc.names),
                ("w:", words.get, doc.words),
            )
            for key in keys
            if (postings := get(key)) and len(postings) <= MAX_POSTINGS
        ]
        if len(ranked) > 1:
            ranked.sort(key=_BLOCKING_ORDER)
        return identity, [item[3] for item in ranked[:MAX_BLOCKING_FEATURES]]

    def story_docs(self, story_id: int) -> Iterable[Doc]:
        """Indexed articles of one story."""
        return (self.docs[a] for a in self.stories.get(story_id, ()) if a in self.docs)
