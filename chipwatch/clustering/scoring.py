"""One score for "these two articles tell the same event", with its parts.

Signals (weights in ``[cluster.weights]``, see docs/clustering.md):

- ``exact``: same canonical URL or guid: the same article, score 1.
- ``same_title``: identical normalized title (four words or more): score 1.
- ``title``: rapidfuzz likeness of the titles, entities masked to canonical names;
  only when both articles are in the same language.
- ``words``: shared content words of title and summary, weighted by rarity.
- ``entities``: shared entities weighted by kind and rarity.
- ``numbers``: shared amounts, percentages and counts, normalized across locales; a
  bonus added on top (most articles have none, and their absence says nothing).
- ``time``: published close together inside the window.
- ``same_feed``: a penalty; one feed rarely tells one event twice.

Across languages the title cannot be compared word for word, so its weight is left
out and the rest is renormalized: entities, figures and time carry the decision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chipwatch.clustering.candidates import DEFAULT_KIND_PRIOR, KIND_PRIOR, CandidateIndex, Doc
from chipwatch.clustering.numbers import shared_number_score
from chipwatch.clustering.text import title_similarity

DEFAULT_WEIGHTS: dict[str, float] = {
    "title": 0.30,
    "words": 0.25,
    "entities": 0.35,
    "time": 0.10,
    "numbers": 0.25,
    "names": 0.20,
    "same_feed": 0.25,
}
WEIGHT_NAMES = tuple(DEFAULT_WEIGHTS)
# Unrelated headlines in one language already score about this much by rapidfuzz;
# likeness is measured from here up.
TITLE_FLOOR = 0.35
# Shared entity weight (kind prior x rarity) needed for full entity evidence: sharing
# only "China" and "United States" is never enough, however alike the entity sets.
ENTITY_SATURATION = 0.8
# Summed rarity of shared name-like words needed for full "names" evidence.
NAMES_SATURATION = 1.5


class PairScore:
    """The score of one (new article, indexed article) pair, and why.

    ``parts`` are the signals (0..1; ``same_feed`` a negative penalty), the shared
    entities, names and words are kept with their weights and ranked (most telling
    first) only when read: most scored pairs are never explained.
    """

    __slots__ = ("_parts", "_shared", "score", "shared_numbers")

    def __init__(
        self,
        score: float,
        parts: dict[str, float] | tuple[Any, ...],
        entity_weights: Mapping[str, float] | None = None,
        word_weights: Mapping[str, float] | None = None,
        shared_numbers: list[str] | None = None,
        name_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.score = score
        # A dict, or the values score_pair builds it from when it is read.
        self._parts = parts
        self._shared: tuple[Any, ...] = (
            (entity_weights or {}, word_weights or {}, name_weights or {})
            if entity_weights is not None or word_weights is not None or name_weights is not None
            else _NOTHING_SHARED
        )
        self.shared_numbers = shared_numbers if shared_numbers is not None else []

    @property
    def parts(self) -> dict[str, float]:
        """The signals that made the score, by name (see the module's docstring)."""
        if isinstance(self._parts, tuple):
            self._parts = _parts_dict(*self._parts)
        return self._parts

    def _weights(self, which: int) -> Mapping[str, float]:
        held = self._shared[which]
        if isinstance(held, tuple):  # (shared names in order, their weights)
            held = dict(zip(*held, strict=True))
        return held

    @property
    def entity_weights(self) -> Mapping[str, float]:
        """Shared entities and their weights (kind prior times rarity)."""
        return self._weights(0)

    @property
    def word_weights(self) -> Mapping[str, float]:
        """Shared content words and their rarities."""
        return self._weights(1)

    @property
    def name_weights(self) -> Mapping[str, float]:
        """Shared name-like words and their rarities."""
        return self._weights(2)

    def _ranked(self, which: int) -> list[str]:
        held = self._shared[which]
        if isinstance(held, tuple):  # (shared names in order, their weights)
            names, weights = held
            if not weights:
                return []
            order = sorted(range(len(weights)), key=weights.__getitem__, reverse=True)
            items = list(names)
            return [items[i] for i in order]
        return _ranked(held)

    @property
    def shared_entities(self) -> list[str]:
        """Shared entities, then shared name-like words, each most telling first."""
        return self._ranked(0) + self._ranked(2)

    @property
    def shared_words(self) -> list[str]:
        """Shared content words, rarest first."""
        return self._ranked(1)

    def __repr__(self) -> str:
        return f"PairScore(score={self.score!r}, parts={self.parts!r})"


def _new_pair_score() -> PairScore:
    """A PairScore whose fields the caller sets (score_pair: faster than __init__)."""
    return object.__new__(PairScore)


_NO_WEIGHTS: tuple[Any, ...] = ((), ())
_NOTHING_SHARED = ({}, {}, {})


def _parts_dict(
    entities: float,
    words: float,
    time: float,
    numbers: float,
    names: float,
    title: float | None,
    same_feed: float | None,
    same_title: bool,
) -> dict[str, float]:
    """The parts in the order they are stored and shown."""
    if title is None:  # across languages: words are not part of the score
        parts = {"entities": entities, "time": time, "numbers": numbers, "names": names}
    else:
        parts = {
            "entities": entities,
            "words": words,
            "time": time,
            "numbers": numbers,
            "names": names,
            "title": title,
        }
    if same_feed is not None:
        parts["same_feed"] = same_feed
    if same_title:
        parts["same_title"] = 1.0
    return parts


def _ranked(weights: Mapping[str, float]) -> list[str]:
    # Heaviest first; equal weights keep their order (the sort is stable either way).
    return sorted(weights, key=weights.__getitem__, reverse=True)


def merged_weights(overrides: Mapping[str, float]) -> dict[str, float]:
    """The defaults with the user's ``[cluster.weights]`` applied."""
    return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in overrides.items()}}


def score_pair(
    new: Doc, old: Doc, index: CandidateIndex, weights: Mapping[str, float], window_seconds: float
) -> PairScore:
    """How strongly ``new`` and ``old`` look like reports of one event (0..1)."""
    if (new.url and new.url == old.url) or (new.guid and new.guid == old.guid):
        return PairScore(1.0, {"exact": 1.0})
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
        title: float | None = _title_part(new.title, old.title)
        w_title, w_words, w_entities, w_time = (
            weights["title"],
            weights["words"],
            weights["entities"],
            weights["time"],
        )
        total = 0.0 + w_title + w_words + w_entities + w_time
        base = (
            (0.0 + w_title * title + w_words * words + w_entities * entities + w_time * time)
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
    pair = _new_pair_score()
    pair.score = max(0.0, min(1.0, score))
    pair._parts = (entities, words, time, numbers, names, title, same_feed, same_title)
    pair._shared = (shared_entities, shared_words, shared_names)
    pair.shared_numbers = shared_numbers
    return pair


def _title_part(a: str, b: str) -> float:
    similarity = title_similarity(a, b)
    return max(0.0, (similarity - TITLE_FLOOR) / (1.0 - TITLE_FLOOR))


# Each overlap returns its evidence (0..1) and the shared items with their weights:
# (the shared set, the weights in the set's order), made a dict only when explained.
_Shared = tuple[Any, ...]
# Rarities are read from the index's memo (``get(x) or compute(x)``: a rarity is never
# 0), in the order of the shared set, so the sums add the same numbers in the same order.


def _entity_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, _Shared]:
    ours = new.entities
    if not ours or not old.entities:
        return 0.0, _NO_WEIGHTS
    shared = ours.keys() & old.entities.keys()
    if not shared:
        return 0.0, _NO_WEIGHTS
    known, compute, prior = index.entity_rarity.get, index.rarity_of_entity, KIND_PRIOR.get
    weight = [
        prior(ours[name], DEFAULT_KIND_PRIOR) * (known(name) or compute(name)) for name in shared
    ]
    top = sum(weight)
    strength = min(1.0, top / ENTITY_SATURATION)
    left, right = index.doc_norms(new)[1], index.doc_norms(old)[1]
    return _cosine(top, left, right) * strength, (shared, weight)


def _names_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, _Shared]:
    shared = new.names & old.names
    if not shared:
        return 0.0, _NO_WEIGHTS
    known, compute = index.name_rarity.get, index.rarity_of_name
    weight = [known(name) or compute(name) for name in shared]
    return min(1.0, sum(weight) / NAMES_SATURATION), (shared, weight)


def _word_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, _Shared]:
    shared = new.words & old.words
    if not shared:
        return 0.0, _NO_WEIGHTS
    known, compute = index.word_rarity.get, index.rarity_of_word
    weight = [known(word) or compute(word) for word in shared]
    left, right = index.doc_norms(new)[0], index.doc_norms(old)[0]
    return _cosine(sum(weight), left, right), (shared, weight)


def _cosine(shared: float, left: float, right: float) -> float:
    """Shared weight normalized by both sides' total weight (a set cosine), at most 1."""
    return min(1.0, shared / math.sqrt(left * right)) if left > 0 and right > 0 else 0.0
