"""One score for "these two articles tell the same event", with its parts.

The weighted signals (names, defaults and meaning in :mod:`.signals`, overridden by
``[cluster.weights]``; see docs/clustering.md):

- ``title``: rapidfuzz likeness of the titles, entities masked to canonical names;
  only when both articles are in the same language.
- ``words``: shared content words of title and summary, weighted by rarity.
- ``entities``: shared entities weighted by kind and rarity.
- ``numbers``: shared amounts, percentages and counts, normalized across locales; a
  bonus added on top (most articles have none, and their absence says nothing).
- ``names``: shared name-like words the tagger does not know; a bonus too.
- ``time``: published close together inside the window.
- ``same_feed``: a penalty; one feed rarely tells one event twice.

And two that decide alone: ``exact`` (same canonical URL or guid: the same article,
score 1) and ``same_title`` (identical normalized title of four words or more: score 1).

Across languages the title cannot be compared word for word, so its weight is left
out and the rest is renormalized: entities, figures and time carry the decision.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from chipwatch.clustering.candidates import DEFAULT_KIND_PRIOR, KIND_PRIOR, CandidateIndex, Doc
from chipwatch.clustering.numbers import shared_number_score
from chipwatch.clustering.text import title_similarity

# Unrelated headlines in one language already score about this much by rapidfuzz;
# likeness is measured from here up.
TITLE_FLOOR = 0.35
# Shared entity weight (kind prior x rarity) needed for full entity evidence: sharing
# only "China" and "United States" is never enough, however alike the entity sets.
ENTITY_SATURATION = 0.8
# Summed rarity of shared name-like words needed for full "names" evidence.
NAMES_SATURATION = 1.5


# What two articles share of one kind: the items in the shared set's order, and their
# weights in the same order. Ranked, or made a dict, only when a pair is explained:
# most scored pairs never are.
Shared = tuple[Collection[str], Sequence[float]]
NOTHING_SHARED: Shared = ((), ())


def ranked(shared: Shared) -> list[str]:
    """The shared items, heaviest first; equal weights keep their order."""
    items, weights = shared
    if not weights:
        return []
    order = sorted(range(len(weights)), key=weights.__getitem__, reverse=True)
    listed = list(items)
    return [listed[i] for i in order]


@dataclass(slots=True)
class PairScore:
    """The score of one (new article, indexed article) pair, and why: each signal
    (0..1; ``same_feed`` a negative penalty) and what the two share.

    One flat class, built with its fields in order: up to six pairs are scored per
    arriving article, and building this costs what skipping ``__init__`` did (0.36 µs
    by timeit, against 1.5 µs with the signals and each shared set as named tuples of
    their own; score_pair itself takes 15-20 µs, bench_cluster's "decide" row the sum).
    """

    score: float
    entities: float = 0.0
    words: float = 0.0
    time: float = 0.0
    numbers: float = 0.0  # the int 0 when no figure is shared, as a sum over none is
    names: float = 0.0
    title: float | None = None  # None across languages: words are not part of the score
    same_feed: float | None = None  # None for two feeds
    same_title: bool = False
    exact: bool = False  # the same article (URL or guid): nothing else was measured
    entity_overlap: Shared = NOTHING_SHARED
    word_overlap: Shared = NOTHING_SHARED
    name_overlap: Shared = NOTHING_SHARED
    shared_numbers: list[str] = field(default_factory=list)

    @property
    def parts(self) -> dict[str, float]:
        """The signals by name, in the order they are stored and shown."""
        if self.exact:
            return {"exact": 1.0}
        parts: dict[str, float] = {"entities": self.entities}
        if self.title is not None:
            parts["words"] = self.words
        parts.update(time=self.time, numbers=self.numbers, names=self.names)
        if self.title is not None:
            parts["title"] = self.title
        if self.same_feed is not None:
            parts["same_feed"] = self.same_feed
        if self.same_title:
            parts["same_title"] = 1.0
        return parts

    @property
    def entity_weights(self) -> dict[str, float]:
        """Shared entities and their weights (kind prior times rarity)."""
        return dict(zip(*self.entity_overlap, strict=True))

    @property
    def word_weights(self) -> dict[str, float]:
        """Shared content words and their rarities."""
        return dict(zip(*self.word_overlap, strict=True))

    @property
    def name_weights(self) -> dict[str, float]:
        """Shared name-like words and their rarities."""
        return dict(zip(*self.name_overlap, strict=True))

    @property
    def shared_entities(self) -> list[str]:
        """Shared entities, then shared name-like words, each most telling first."""
        return ranked(self.entity_overlap) + ranked(self.name_overlap)

    @property
    def shared_words(self) -> list[str]:
        """Shared content words, rarest first."""
        return ranked(self.word_overlap)


def _ranked(weights: Mapping[str, float]) -> list[str]:
    """Names heaviest first; equal weights keep their order (the sort is stable)."""
    return sorted(weights, key=weights.__getitem__, reverse=True)


def score_pair(
    new: Doc, old: Doc, index: CandidateIndex, weights: Mapping[str, float], window_seconds: float
) -> PairScore:
    """How strongly ``new`` and ``old`` look like reports of one event (0..1)."""
    if (new.url and new.url == old.url) or (new.guid and new.guid == old.guid):
        return PairScore(1.0, exact=True)
    same_title = bool(new.title_key) and new.title_key == old.title_key
    entities, shared_entities = _entity_overlap(new, old, index)
    words, shared_words = _word_overlap(new, old, index)
    common = new.numbers & old.numbers
    # No shared figure scores the int 0, as the sum over none does (the stored part).
    numbers, shared_numbers = shared_number_score(common, common) if common else (0, [])
    names, shared_names = _names_overlap(new, old, index)
    gap = abs(new.published - old.published)
    time = max(0.0, 1.0 - gap / window_seconds) if window_seconds else 0.0
    # The weighted mean of the signals the pair can use, plus the figure and name
    # bonuses; written out (not summed over a list) in the order a sum would add them.
    if new.lang == old.lang:
        title_part = _title_part(new.title, old.title)
        title: float | None = title_part
        w_title, w_words, w_entities, w_time = (
            weights["title"],
            weights["words"],
            weights["entities"],
            weights["time"],
        )
        total = 0.0 + w_title + w_words + w_entities + w_time
        base = (
            (0.0 + w_title * title_part + w_words * words + w_entities * entities + w_time * time)
            / total
            if total
            else 0.0
        )
    else:
        # Words of two languages rarely coincide: across languages only language-neutral
        # evidence (entities, names, figures, time) is averaged; shared words are
        # still shown.
        title = None
        w_entities, w_time = weights["entities"], weights["time"]
        total = 0.0 + w_entities + w_time
        base = (0.0 + w_entities * entities + w_time * time) / total if total else 0.0
    score = base + weights["numbers"] * numbers + weights["names"] * names
    same_feed = None
    if new.feed_id == old.feed_id:
        same_feed = -weights["same_feed"]
        score += same_feed
    if same_title:
        score = 1.0
    return PairScore(
        max(0.0, min(1.0, score)),
        entities,
        words,
        time,
        numbers,
        names,
        title,
        same_feed,
        same_title,
        False,
        shared_entities,
        shared_words,
        shared_names,
        shared_numbers,
    )


def _title_part(a: str, b: str) -> float:
    similarity = title_similarity(a, b)
    return max(0.0, (similarity - TITLE_FLOOR) / (1.0 - TITLE_FLOOR))


# Each overlap returns its evidence (0..1) and what is shared, with the weights.
# Rarities are read from the index's memo (``get(x) or compute(x)``: a rarity is never
# 0), in the order of the shared set, so the sums add the same numbers in the same order.


def _entity_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    ours = new.entities
    if not ours or not old.entities:
        return 0.0, NOTHING_SHARED
    shared = ours.keys() & old.entities.keys()
    if not shared:
        return 0.0, NOTHING_SHARED
    known, compute, prior = index.entity_rarity.get, index.rarity_of_entity, KIND_PRIOR.get
    weight = [
        prior(ours[name], DEFAULT_KIND_PRIOR) * (known(name) or compute(name)) for name in shared
    ]
    top = sum(weight)
    strength = min(1.0, top / ENTITY_SATURATION)
    left, right = index.doc_norms(new)[1], index.doc_norms(old)[1]
    return _cosine(top, left, right) * strength, (shared, weight)


def _names_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    shared = new.names & old.names
    if not shared:
        return 0.0, NOTHING_SHARED
    known, compute = index.name_rarity.get, index.rarity_of_name
    weight = [known(name) or compute(name) for name in shared]
    return min(1.0, sum(weight) / NAMES_SATURATION), (shared, weight)


def _word_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    shared = new.words & old.words
    if not shared:
        return 0.0, NOTHING_SHARED
    known, compute = index.word_rarity.get, index.rarity_of_word
    weight = [known(word) or compute(word) for word in shared]
    left, right = index.doc_norms(new)[0], index.doc_norms(old)[0]
    return _cosine(sum(weight), left, right), (shared, weight)


def _cosine(shared: float, left: float, right: float) -> float:
    """Shared weight normalized by both sides' total weight (a set cosine), at most 1."""
    return min(1.0, shared / math.sqrt(left * right)) if left > 0 and right > 0 else 0.0
