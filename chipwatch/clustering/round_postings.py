"""The whole round's postings for the sweep of a first import, held compactly (issue 20).

Blocking in the sweep (:mod:`.settle_sweep`) must give the candidates the whole-round
index would give, and those depend on the whole round: a feature shared by more than
``MAX_POSTINGS`` articles at any distance in time is never looked up, a singleton
still takes one of the article's blocking slots, and the ranking is cut before the
window is checked. So the round's postings are gathered whole, before scoring; this
keeps them at a fraction of what a :class:`~.candidates.CandidateIndex` over the same
docs would hold:

- an article is a position in the round (the order it was added in, canonical):
  its id, published time and key sit in three flat arrays, not in a doc per article;
- a feature held by one article maps to that position, a bare int (most URLs, guids
  and title keys, and many rare words, are an article's own); a list is made at the
  second article; a feature past ``MAX_POSTINGS`` (not an identity) becomes a stand-in
  of that length, as blocking never reads it.

:meth:`RoundPostings.iter_candidates` gives what
:meth:`.candidates.CandidateIndex.iter_candidates` gives on an index of the round's
docs, in the same order (``tests/test_round_postings.py`` compares the two).
"""

from __future__ import annotations

import collections
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat

from chipwatch.clustering.candidates import (  # the index's own weights and limits
    _IDENTITY,
    _QUARTERS,
    MAX_BLOCKING_FEATURES,
    MAX_POSTINGS,
    Doc,
    blocking_kinds,
    ranking_floor,
)
from chipwatch.clustering.docfreq import DocumentFrequencies

_count_elements = collections._count_elements  # type: ignore[attr-defined]

# One article's position, several (a list), or a stand-in for a feature too common to
# block on (``range`` of its length: blocking reads only the length).
Postings = int | list[int] | range
TOO_COMMON = range(MAX_POSTINGS + 1)
_IDENTITIES = 3  # url, guid, title: never too common to look up


class RoundPostings:
    """The round's articles and postings; docs must be added in canonical order
    (:func:`.settle_plan.canonical`), each once."""

    def __init__(self, df: DocumentFrequencies) -> None:
        self.df = df
        self.ids = array("q")
        self.times = array("d")
        self.keys: list[str] = []
        self.lists: tuple[dict[str, Postings], ...] = tuple({} for _ in range(8))

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, doc: Doc) -> None:
        position = len(self.ids)  # one int object, shared by every posting of the doc
        self.ids.append(doc.article_id)
        self.times.append(doc.published)
        self.keys.append(doc.key)
        for kind, (postings, keys) in enumerate(zip(self.lists, doc.keyed(), strict=True)):
            for key in keys:
                found = postings.get(key)
                if found is None:
                    postings[key] = position
                elif type(found) is int:
                    postings[key] = [found, position]
                elif type(found) is list:
                    if kind >= _IDENTITIES and len(found) >= MAX_POSTINGS:
                        postings[key] = TOO_COMMON
                    else:
                        found.append(position)

    def position(self, doc: Doc) -> int | None:
        """The doc's position in the round (None: not in it)."""
        times, keys, ids = self.times, self.keys, self.ids
        at = bisect_left(times, doc.published)
        while at < len(ids) and times[at] == doc.published:
            if ids[at] == doc.article_id and keys[at] == doc.key:
                return at
            at += 1
        return None

    def iter_candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> Iterator[int]:
        """The article ids the round's index would give for ``doc`` (see
        :meth:`.candidates.CandidateIndex.iter_candidates`), one at a time."""
        shared: dict[int, int] = {}
        _count_elements(shared, self._blocking_stream(doc))
        shared.pop(self.position(doc), None)  # type: ignore[arg-type]
        if not shared:
            return
        floor = ranking_floor(shared.values(), limit * 3)
        keys, ids, times = self.keys, self.ids, self.times
        # (count, key, article id) as the index ranks them; the position last, unused
        # for order (article ids are unique).
        ranked = [(-count, keys[p], ids[p], p) for p, count in shared.items() if count >= floor]
        ranked.sort()
        found = 0
        published = doc.published
        for _, _, article_id, p in ranked[: limit * 3]:
            if abs(times[p] - published) <= window_seconds:
                yield article_id
                found += 1
                if found == limit:
                    return

    def _blocking_stream(self, doc: Doc) -> Iterable[int]:
        """Positions of the postings of the doc's blocking keys, each repeated by its
        weight: the index's own selection (``CandidateIndex._blocking_stream``)."""
        urls, guids, titles, entities, numbers, names, words, actions = self.lists
        parts: list[Iterable[int]] = []
        for key, postings_of in ((doc.url, urls), (doc.guid, guids), (doc.title_key, titles)):
            if key and (found := postings_of.get(key)) is not None:
                parts.extend(repeat(_sequence(found), _IDENTITY))
        df = self.df
        chosen = 0
        for keys, by_key, cap, known, compute in blocking_kinds(
            doc, df, entities, actions, numbers, names, words
        ):
            ranked = []
            for key in keys:
                found = by_key.get(key)
                if found is None:
                    continue
                postings = _sequence(found)
                if len(postings) <= MAX_POSTINGS:
                    ranked.append((-(known(key) or compute(key)), len(postings), key, postings))
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


def _sequence(found: Postings) -> Sequence[int]:
    return (found,) if type(found) is int else found  # type: ignore[return-value]


def _first_three(item: tuple[float, int, str, Sequence[int]]) -> tuple[float, int, str]:
    return item[0], item[1], item[2]
