"""The whole round's postings for the sweep of a first import, held compactly (issue 20).

Blocking in the sweep (:mod:`.settle_sweep`) must give the candidates the whole-round
index would give, and those depend on the whole round: a feature shared by more than
``MAX_POSTINGS`` articles at any distance in time is never looked up, a singleton
still takes one of the article's blocking slots, and the ranking is cut before the
window is checked. So the round's postings are gathered whole, before scoring; this
keeps them at a fraction of what a :class:`~.candidates.CandidateIndex` over the same
docs would hold:

- an article is a position in the round (the order it was added in, canonical):
  its id, published time and key sit in flat arrays, not in a doc per article; once
  the first candidates are asked for, the keys (~130 bytes an article, read only to
  break ties in the ranking) become each key's rank among the round's keys, 8 bytes:
  keys are unique, so ranks order exactly as the keys do;
- the identity tables (URLs, guids, title keys: nearly one string per article each,
  ~90 bytes with its dict entry besides its text) are packed once the first
  candidates are asked for: their keys sorted, as UTF-8 in one buffer, looked up by
  bisection (:class:`PackedPostings`, ~24 bytes besides the text);
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
from typing import Protocol

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
        self.keys: list[str] = []  # until the ranks are made (then empty)
        self.ranks = array("q")  # each key's place among the round's keys, sorted
        self.lists: tuple[dict[str, Postings], ...] = tuple({} for _ in range(8))
        self.identities: tuple[Lookup, ...] = self.lists[:_IDENTITIES]

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, doc: Doc) -> None:
        assert not self.ranks, "the round's postings are complete once candidates are read"
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
        """The doc's position in the round (None: not in it; article ids are unique)."""
        times, ids = self.times, self.ids
        at = bisect_left(times, doc.published)
        while at < len(ids) and times[at] == doc.published:
            if ids[at] == doc.article_id:
                return at
            at += 1
        return None

    def _ranked_keys(self) -> array[int]:
        """Each position's key rank; made once, when the round is complete, with the
        identity tables packed (the keys and the tables' strings then let go: issue 20)."""
        if len(self.ranks) != len(self.ids):
            keys = self.keys
            ranks = array("q", bytes(8 * len(keys)))
            for rank, position in enumerate(sorted(range(len(keys)), key=keys.__getitem__)):
                ranks[position] = rank
            self.ranks, self.keys = ranks, []
            packed: list[Lookup] = []
            for table in self.lists[:_IDENTITIES]:
                packed.append(PackedPostings(table))
                table.clear()  # its strings go before the next table is packed
            self.identities = tuple(packed)
        return self.ranks

    def iter_candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> Iterator[int]:
        """The article ids the round's index would give for ``doc`` (see
        :meth:`.candidates.CandidateIndex.iter_candidates`), one at a time."""
        shared: dict[int, int] = {}
        _count_elements(shared, self._blocking_stream(doc))
        shared.pop(self.position(doc), None)  # type: ignore[arg-type]
        if not shared:
            return
        floor = ranking_floor(shared.values(), limit * 3)
        ranks, ids, times = self._ranked_keys(), self.ids, self.times
        # (count, key) as the index ranks them (then its article id, never reached:
        # keys are unique); the key by its rank, which orders the same.
        ranked = [(-count, ranks[p], p) for p, count in shared.items() if count >= floor]
        ranked.sort()
        found = 0
        published = doc.published
        for _, _, p in ranked[: limit * 3]:
            if abs(times[p] - published) <= window_seconds:
                yield ids[p]
                found += 1
                if found == limit:
                    return

    def _blocking_stream(self, doc: Doc) -> Iterable[int]:
        """Positions of the postings of the doc's blocking keys, each repeated by its
        weight: the index's own selection (``CandidateIndex._blocking_stream``)."""
        _, _, _, entities, numbers, names, words, actions = self.lists
        urls, guids, titles = self.identities
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


class Lookup(Protocol):
    def get(self, key: str, /) -> Postings | Sequence[int] | None: ...


class PackedPostings:
    """A finished table of identity postings, compactly: its keys sorted (code point
    order, which is UTF-8's byte order), encoded in one buffer, each key's positions in
    one flat array (CSR); :meth:`get` bisects. ~24 bytes a key besides its text."""

    def __init__(self, table: dict[str, Postings]) -> None:
        blob = bytearray()
        self.ends = array("q")  # where each key's bytes end in the buffer
        self.starts = array("q", [0])  # where each key's positions start in ``flat``
        self.flat = array("q")
        for key in sorted(table):
            blob += _utf8(key)
            self.ends.append(len(blob))
            self.flat.extend(_sequence(table[key]))
            self.starts.append(len(self.flat))
        self.blob = bytes(blob)

    def _key(self, index: int) -> bytes:
        return self.blob[self.ends[index - 1] if index else 0 : self.ends[index]]

    def get(self, key: str, /) -> Sequence[int] | None:
        wanted = _utf8(key)
        at = bisect_left(range(len(self.ends)), wanted, key=self._key)
        if at == len(self.ends) or self._key(at) != wanted:
            return None
        return self.flat[self.starts[at] : self.starts[at + 1]]


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _sequence(found: Postings | Sequence[int]) -> Sequence[int]:
    return (found,) if type(found) is int else found  # type: ignore[return-value]


def _first_three(item: tuple[float, int, str, Sequence[int]]) -> tuple[float, int, str]:
    return item[0], item[1], item[2]
