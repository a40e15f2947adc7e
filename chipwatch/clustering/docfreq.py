"""Rarity: ONE store-wide table of document frequencies for every clustering feature.

How much sharing a feature says depends on how many articles have it: "H20" and
"export licence" say much more than "China" or "NVIDIA". The frequencies are counted
over every stored article (``feature_df`` in the store, kept by the writer in each
feed's transaction), never over whatever happens to be loaded, so a decision does not
depend on the order articles arrived in, or on whether it was made in the live index or
for an old article.

A young store has few articles: a small *prior* (``df_prior.json``, shipped, built by
``python -m benchmarks.build_df_prior`` from chipwatch's own written articles, never
from realnews) adds ``PRIOR_MASS`` pseudo-articles in which each known feature has its
usual rate, so "China" is common from the first poll on. The store takes over as it
grows.

    rarity(f) = log(1 + N / (df + 1)) / log(1 + N)
    N = articles stored + PRIOR_MASS,  df = df_store(f) + PRIOR_MASS * rate(f)

Kinds: ``e`` entity, ``w`` content word, ``p`` name-like word, ``n`` figure, ``a``
action key. Rarities are memoized per kind and forgotten every ``RARITY_REFRESH``
changes, and at :meth:`DocumentFrequencies.freeze` (the settle pass: one snapshot for a
whole pass, so its scores do not depend on the order it visits articles in).
"""

from __future__ import annotations

import collections
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlite_utils import Database

# Counter's own C loop (``d[k] = d.get(k, 0) + 1`` over an iterable), as in candidates.
_count_elements = collections._count_elements  # type: ignore[attr-defined]

KINDS = ("e", "w", "p", "n", "a")
# Pseudo-articles the prior stands for: about what the old fixed floor of 200 did for
# an empty store, small enough for a real store to take over within days (a prior of
# 1,000 measured worse: design note issue 18, section 4.2).
PRIOR_MASS = 200
# Rate of an entity the prior does not list, by kind: a place is named by many
# articles, a person or a chip by few.
KIND_RATE: dict[str, float] = {
    "place": 0.15,
    "company": 0.03,
    "agency": 0.02,
    "policy": 0.02,
    "chip": 0.01,
    "person": 0.01,
}
# Memoized rarities are recomputed after this many changes: they drift slowly.
RARITY_REFRESH = 64


class Featured(Protocol):
    """What the table counts of an article (a :class:`~.candidates.Doc`)."""

    @property
    def entities(self) -> Mapping[str, str]: ...

    @property
    def words(self) -> Iterable[str]: ...

    @property
    def names(self) -> Iterable[str]: ...

    @property
    def numbers(self) -> Iterable[str]: ...

    @property
    def action_keys(self) -> Iterable[str]: ...


@lru_cache(maxsize=1)
def shipped_prior() -> dict[str, dict[str, float]]:
    """The shipped prior rates by kind (``df_prior.json`` in this package)."""
    text = resources.files("chipwatch.clustering").joinpath("df_prior.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    rates = data.get("rates", {})
    return {kind: {str(k): float(v) for k, v in rates.get(kind, {}).items()} for kind in KINDS}


class DocumentFrequencies:
    """Document frequencies of the clustering features, with a prior for a young store.

    ``counts[kind][key]`` and ``total`` are the store's; changes since the last
    :meth:`take_changes` are kept for the writer to persist in the same transaction.
    """

    def __init__(
        self,
        counts: Mapping[str, Mapping[str, int]] | None = None,
        total: int = 0,
        *,
        prior: Mapping[str, Mapping[str, float]] | None = None,
        prior_mass: float = PRIOR_MASS,
    ) -> None:
        self.counts: dict[str, dict[str, int]] = {
            kind: dict((counts or {}).get(kind, {})) for kind in KINDS
        }
        self.total = total
        self.prior = shipped_prior() if prior is None else prior
        self.prior_mass = prior_mass
        self.entity_kind: dict[str, str] = {}
        # Unwritten changes by kind, then key (no (kind, key) tuple built per feature).
        self._changes: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
        self._total_change = 0
        self.stamp = 0  # bumped at every change: cached weight totals compare it
        self._since_refresh = 0
        # Memoized rarities by bare key, one dict per kind: the hot lookups of scoring.
        self.entity_rarity: dict[str, float] = {}
        self.word_rarity: dict[str, float] = {}
        self.name_rarity: dict[str, float] = {}
        self.figure_rarity: dict[str, float] = {}
        self.action_rarity: dict[str, float] = {}
        self._refresh()

    # ---- counting
    def add(self, doc: Featured, sign: int = 1) -> None:
        """Count one more article having ``doc``'s features (``sign=-1``: one fewer)."""
        self.total += sign
        self._total_change += sign
        changes = self._changes
        for kind, keys in (
            ("e", doc.entities),
            ("w", doc.words),
            ("p", doc.names),
            ("n", doc.numbers),
            ("a", doc.action_keys),
        ):
            counts, changed = self.counts[kind], changes[kind]
            if sign == 1:  # the common case, counted in C: ``d[k] = d.get(k, 0) + 1``
                _count_elements(counts, keys)
                _count_elements(changed, keys)
                continue
            for key in keys:
                counts[key] = counts.get(key, 0) + sign
                changed[key] = changed.get(key, 0) + sign
        for name, kind in doc.entities.items():
            self.entity_kind.setdefault(name, kind)
        self.stamp += 1
        self._since_refresh += 1
        if self._since_refresh >= RARITY_REFRESH:
            self._refresh()

    def add_many(self, docs: Sequence[Featured]) -> None:
        """:meth:`add` of each of ``docs``, in order, counted a kind at a time: the same
        counts, changes and entity kinds, and the memoized rarities forgotten after the
        same documents (so the population they are computed with is the same)."""
        start = 0
        while start < len(docs):
            chunk = docs[start : start + max(1, RARITY_REFRESH - self._since_refresh)]
            start += len(chunk)
            self.total += len(chunk)
            self._total_change += len(chunk)
            changes = self._changes
            for kind, keys in (
                ("e", chain.from_iterable(doc.entities for doc in chunk)),
                ("w", chain.from_iterable(doc.words for doc in chunk)),
                ("p", chain.from_iterable(doc.names for doc in chunk)),
                ("n", chain.from_iterable(doc.numbers for doc in chunk)),
                ("a", chain.from_iterable(doc.action_keys for doc in chunk)),
            ):
                listed = list(keys)
                _count_elements(self.counts[kind], listed)
                _count_elements(changes[kind], listed)
            setdefault = self.entity_kind.setdefault
            for doc in chunk:
                for name, kind in doc.entities.items():
                    setdefault(name, kind)
            self.stamp += len(chunk)
            self._since_refresh += len(chunk)
            if self._since_refresh >= RARITY_REFRESH:
                self._refresh()

    def remove(self, doc: Featured) -> None:
        """One article fewer (an edited article's old features, a deleted article)."""
        self.add(doc, -1)

    def take_changes(self) -> tuple[list[tuple[str, str, int]], int]:
        """The changes since the last call, as ``(kind, key, delta)``, and the change of
        the total; forgotten here (the caller writes them)."""
        changes = [
            (kind, key, d)
            for kind, changed in self._changes.items()
            for key, d in changed.items()
            if d
        ]
        total, self._total_change = self._total_change, 0
        self._changes = {kind: {} for kind in KINDS}
        return changes, total

    def discard_changes(self) -> None:
        """Forget unwritten changes (their transaction rolled back: reload instead)."""
        self._changes = {kind: {} for kind in KINDS}
        self._total_change = 0

    # ---- rarity
    def freeze(self) -> None:
        """Start from freshly computed rarities (and weight totals: the stamp jumps), so
        that a settle pass scores every pair against one snapshot."""
        self._refresh()
        self.stamp += 1 << 20

    def _refresh(self) -> None:
        self._since_refresh = 0
        self.entity_rarity.clear()
        self.word_rarity.clear()
        self.name_rarity.clear()
        self.figure_rarity.clear()
        self.action_rarity.clear()
        population = self.total + self.prior_mass
        self._population = population
        self._scale = math.log1p(population) if population > 0 else 1.0

    def _rarity(self, kind: str, key: str, rate: float) -> float:
        df = self.counts[kind].get(key, 0) + self.prior_mass * rate
        if df < 0:
            df = 0.0
        return math.log1p(self._population / (df + 1)) / self._scale

    # A rarity is never 0 (log1p of a positive number), so ``memo.get(x) or compute(x)``
    # computes only what is not memoized.
    def rarity_of_entity(self, name: str, kind: str | None = None) -> float:
        """Rarity of an entity (``kind`` for the prior's default rate)."""
        rate = self.prior["e"].get(name)
        if rate is None:
            rate = KIND_RATE.get(kind or self.entity_kind.get(name, ""), 0.02)
        value = self.entity_rarity[name] = self._rarity("e", name, rate)
        return value

    def rarity_of_word(self, word: str) -> float:
        """Rarity of a content word (stemmed, as compared)."""
        value = self.word_rarity[word] = self._rarity("w", word, self.prior["w"].get(word, 0.0))
        return value

    def rarity_of_name(self, name: str) -> float:
        """Rarity of a name-like word."""
        value = self.name_rarity[name] = self._rarity("p", name, self.prior["p"].get(name, 0.0))
        return value

    def rarity_of_figure(self, key: str) -> float:
        """Rarity of a figure key (``amt:4.5e+09``)."""
        value = self.figure_rarity[key] = self._rarity("n", key, self.prior["n"].get(key, 0.0))
        return value

    def rarity_of_action(self, key: str) -> float:
        """Rarity of an action key (``licence.granted|H20``)."""
        value = self.action_rarity[key] = self._rarity("a", key, self.prior["a"].get(key, 0.0))
        return value

    def rarity(self, kind: str, key: str) -> float:
        """Rarity of any feature by kind letter."""
        if kind == "e":
            return self.entity_rarity.get(key) or self.rarity_of_entity(key)
        if kind == "w":
            return self.word_rarity.get(key) or self.rarity_of_word(key)
        if kind == "p":
            return self.name_rarity.get(key) or self.rarity_of_name(key)
        if kind == "n":
            return self.figure_rarity.get(key) or self.rarity_of_figure(key)
        return self.action_rarity.get(key) or self.rarity_of_action(key)


def load_frequencies(db: Database) -> DocumentFrequencies:
    """The store's frequency table (seeded first for a store made before it).

    The clusterer is built on first use, which may be inside the first feed's write
    transaction, after that feed's articles were inserted: those are not counted yet
    (the clusterer counts each as it places it), so a fresh store is not seeded from
    them, whichever feed happened to be written first."""
    from chipwatch.store.feature_df import counted_articles, load_feature_df, seed_feature_df

    loaded = load_feature_df(db)
    if loaded is None and counted_articles(db):
        seed_feature_df(db, shipped_prior(), KINDS)
        loaded = load_feature_df(db)
    counts, total = loaded if loaded is not None else ({}, 0)
    return DocumentFrequencies(counts, total)
