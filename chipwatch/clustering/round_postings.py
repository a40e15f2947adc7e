"""The whole round's postings for the sweep of a first import, held compactly (issue 20).

Blocking in the sweep (:mod:`.settle_sweep`) must give the candidates the whole-round
index would give, and those depend on the whole round: a feature shared by more than
``MAX_POSTINGS`` articles at any distance in time is never looked up, a singleton
still takes one of the article's blocking slots, and the ranking is cut before the
window is checked. So the round's postings are gathered whole, before scoring. They
are gathered into flat arrays, not into an object or a string per article, so that
what a first import holds grows by tens of bytes an article, not by hundreds:

- an article is a position in the round (the order it was added in, canonical):
  its id and published time sit in flat arrays. Its key (read only to break ties in
  the ranking) is not held at all: once the round is complete, each position gets its
  key's rank among the round's keys, read from where the keys already are (the store:
  ``ranked_ids``). Keys are unique, so ranks order exactly as the keys do;
- the identities (URL, guid, title key) are hashed while they are gathered (a 16-byte
  BLAKE2b digest: two distinct keys never meet in practice, a collision being as
  likely as ~2^-128 per pair) into an open-addressing table of flat arrays
  (:class:`IdentityTable`); each position keeps the number of its key in each table.
  Once the round is complete the table and the digests go, and each key's positions
  are listed flat: the sweep asks only for the candidates of the round's own
  articles, and a position's key numbers say which articles share its identities;
- a blocking feature (entity, figure, name, word, action) held by one article maps
  to that position, a bare int; a list is made at the second article; past
  ``MAX_POSTINGS`` it becomes a stand-in of that length, as blocking never reads it.
  Their vocabulary is the dict's keys (it grows with the round's words, not with its
  articles);
- the counts of the word postings an article blocks on are remembered for the last
  ``COUNTED_SETS`` sets of them (at most ``COUNTED_POSITIONS`` positions in all, a few
  MB): the articles of one beat often block on the same words, and counting them is
  most of a lookup (a quarter of its time on the 10k corpora, session 29).

:meth:`RoundPostings.iter_candidates` gives what
:meth:`.candidates.CandidateIndex.iter_candidates` gives on an index of the round's
docs, in the same order (``tests/test_round_postings.py`` compares the two, and this
module with the former one, ``tests/round_postings_reference.py``).
"""

from __future__ import annotations

import collections
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from hashlib import blake2b
from itertools import chain, repeat

from chipwatch.clustering.candidates import (  # the index's own weights and limits
    _IDENTITY,
    _QUARTERS,
    MAX_BLOCKING_FEATURES,
    MAX_POSTINGS,
    MIN_RELATIVE_BLOCKING,
    Doc,
    blocking_kinds,
)
from chipwatch.clustering.docfreq import DocumentFrequencies

_count_elements = collections._count_elements  # type: ignore[attr-defined]

# One article's position, several (a list), or a stand-in for a feature too common to
# block on (``range`` of its length: blocking reads only the length).
Postings = int | list[int] | range
TOO_COMMON = range(MAX_POSTINGS + 1)
_IDENTITIES = 3  # url, guid, title: never too common to look up
_LOW = (1 << 32) - 1
# (article id, its key's rank among the round's keys), in article id order.
RankedIds = Callable[[], Iterable[tuple[int, int]]]
# Postings chosen to block on, with their weight (quarters).
Chosen = list[tuple[Sequence[int], int]]
# The word counts remembered (:meth:`RoundPostings._counted_words`): at most this many
# chosen sets, and this many positions counted in all (~40 bytes each: ~2.6 MB).
COUNTED_SETS = 256
COUNTED_POSITIONS = 1 << 16


class RoundPostings:
    """The round's articles and postings; docs must be added in canonical order
    (:func:`.settle_plan.canonical`), each once. ``ranked_ids`` gives each article's
    key rank once the round is complete (:func:`key_ranks` makes one from docs)."""

    def __init__(self, df: DocumentFrequencies, ranked_ids: RankedIds, *, size: int = 0) -> None:
        self.df = df
        self.ranked_ids = ranked_ids
        self.ids = array("q")
        self.times = array("d")
        self.ranks = array("i")  # each position's key rank, once the round is complete
        self.at_rank = array("i")  # and the position of each rank
        self.identities = tuple(IdentityTable(size) for _ in range(_IDENTITIES))
        self.lists: tuple[dict[str, Postings], ...] = tuple({} for _ in range(5))
        self.complete = False
        self.span = 0.0  # the round's newest time less its oldest, once complete
        # The counts of the chosen words' postings last used (:meth:`_counted_words`).
        self.counted: OrderedDict[tuple[tuple[int, int], ...], dict[int, int]] = OrderedDict()
        self.counted_positions = 0

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, doc: Doc) -> None:
        assert not self.complete, "the round's postings are complete once candidates are read"
        position = len(self.ids)  # one int object, shared by every posting of the doc
        self.ids.append(doc.article_id)
        self.times.append(doc.published)
        urls, guids, titles = self.identities
        urls.add(doc.url, position)
        guids.add(doc.guid, position)
        titles.add(doc.title_key, position)
        entities, numbers, names, words, actions = self.lists
        for postings, keys in (
            (entities, doc.entities),
            (numbers, doc.numbers),
            (names, doc.names),
            (words, doc.words),
            (actions, doc.action_keys),
        ):
            for key in keys:
                found = postings.get(key)
                if found is TOO_COMMON:  # most words of a big round: first
                    continue
                if found is None:
                    postings[key] = position
                elif type(found) is int:
                    postings[key] = [found, position]
                elif len(found) >= MAX_POSTINGS:  # type: ignore[arg-type]
                    postings[key] = TOO_COMMON
                else:
                    found.append(position)  # type: ignore[union-attr]

    def position(self, doc: Doc) -> int | None:
        """The doc's position in the round (None: not in it; article ids are unique)."""
        times, ids = self.times, self.ids
        at = bisect_left(times, doc.published)
        while at < len(ids) and times[at] == doc.published:
            if ids[at] == doc.article_id:
                return at
            at += 1
        return None

    def _complete(self) -> None:
        """Made once, when the round is complete: each position's key rank; the
        identity tables let go of what only gathering needed."""
        ids = self.ids
        known, known_ranks = array("q"), array("i")  # in article id order: no object each
        for article_id, rank in self.ranked_ids():
            known.append(article_id)
            known_ranks.append(rank)
        ranks = array("i", bytes(4 * len(ids)))
        for position, article_id in enumerate(ids):
            at = bisect_left(known, article_id)
            if at == len(known) or known[at] != article_id or len(known) != len(ids):
                raise ValueError(f"the key ranks do not cover article {article_id}")
            ranks[position] = known_ranks[at]
        at_rank = array("i", [-1]) * len(ids)
        for position, rank in enumerate(ranks):
            if not 0 <= rank < len(ids) or at_rank[rank] >= 0:
                raise ValueError(f"the key ranks are not a ranking of the round: {rank}")
            at_rank[rank] = position
        self.ranks, self.at_rank = ranks, at_rank
        self.span = self.times[-1] - self.times[0] if ids else 0.0  # times ascend
        for table in self.identities:
            table.finish()
        self.complete = True

    def iter_candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> Iterator[int]:
        """The article ids the round's index would give for ``doc``, an article of the
        round (see :meth:`.candidates.CandidateIndex.iter_candidates`), one at a time."""
        if not self.complete:
            self._complete()
        position = self.position(doc)
        if position is None:
            raise ValueError(f"article {doc.article_id} is not in the round")
        others, words = self._blocking_parts(doc)
        # Counts add up in any order (the ranking below reads them, not the order).
        shared = self._counted_words(words)
        for table in self.identities:  # the doc's own count goes below: skipped here
            for p in table.sharing(position):
                shared[p] = shared.get(p, 0) + _IDENTITY
        _count_elements(shared, chain.from_iterable(others))
        shared.pop(position, None)
        if not shared:
            return
        # The index's floor (``ranking_floor``) is this share of the best count, or
        # the ``limit * 3``-th largest count when more pass: the candidates over that
        # one are the first ``limit * 3`` of the ranking below either way, so the
        # share alone cuts the same (the ranking sorts what passes anyway).
        floor = max(shared.values()) * MIN_RELATIVE_BLOCKING
        ranks, at_rank, ids, times = self.ranks, self.at_rank, self.ids, self.times
        published = doc.published
        near = self._ranked_near(shared, floor, published, window_seconds, limit * 3)
        if near is not None:
            for order in near[:limit]:
                yield ids[at_rank[order & _LOW]]
            return
        # (count, key) as the index ranks them (then its article id, never reached:
        # keys are unique); the key by its rank, which orders the same. One int for
        # the two: -count * 2**32 + rank (a rank is below 2**31).
        ranked = [(-count << 32) | ranks[p] for p, count in shared.items() if count >= floor]
        ranked.sort()
        found = 0
        for order in ranked[: limit * 3]:
            p = at_rank[order & _LOW]
            if abs(times[p] - published) <= window_seconds:
                yield ids[p]
                found += 1
                if found == limit:
                    return

    def _ranked_near(
        self, shared: dict[int, int], floor: float, published: float, window: float, take: int
    ) -> list[int] | None:
        """What the ranking gives within ``window`` among its first ``take`` (in order,
        as ints), read from the few positions within the window (a run of positions:
        they are in time order): one is among the first ``take`` when fewer rank before
        it, by a higher count or the same and a lower key rank. None when the window
        holds the whole round or more than ``take`` of ``shared`` (a burst)."""
        if self.span <= window:  # every position within the window of each (a burst)
            return None
        ranks, times = self.ranks, self.times
        lo = bisect_left(times, published - window)
        hi = bisect_right(times, published + window, lo)
        # Widened while the window's own test says within (the two bounds may round
        # otherwise); a position the test refuses is dropped below: wider is safe.
        while lo > 0 and abs(times[lo - 1] - published) <= window:
            lo -= 1
        while hi < len(times) and abs(times[hi] - published) <= window:
            hi += 1
        near = [p for p in shared if lo <= p < hi] if hi - lo < len(times) else None
        if near is None or len(near) > take:
            return None
        found: list[int] = []
        counts: list[int] = []  # every count, highest first, once one is needed
        tied: list[int] = []  # the key ranks of those at the take-th count, ascending
        for p in near:
            count, rank = shared[p], ranks[p]
            if not (count >= floor and abs(times[p] - published) <= window):
                continue
            counts = counts or sorted(shared.values(), reverse=True)
            if len(counts) > take and count <= counts[take - 1]:
                if count < counts[take - 1]:
                    continue
                tied = tied or sorted([ranks[q] for q, c in shared.items() if c == count])
                if counts.index(count) + bisect_left(tied, rank) >= take:
                    continue
            found.append((-count << 32) | rank)
        found.sort()
        return found

    def _blocking_parts(self, doc: Doc) -> tuple[list[Sequence[int]], Chosen]:
        """The postings of the doc's blocking keys: the index's own selection
        (``CandidateIndex._blocking_stream``), those of the entities, actions, figures
        and names each repeated by its weight, and the words' (the last kind) with
        their weights."""
        entities, numbers, names, words, actions = self.lists
        parts: list[Sequence[int]] = []
        chosen = 0
        for keys, by_key, cap, known, compute in blocking_kinds(
            doc, self.df, entities, actions, numbers, names, words
        ):
            ranked: list[tuple[float, int, str, Sequence[int]]] = []
            for key in keys:
                found = by_key.get(key)
                if found is None or found is TOO_COMMON:  # the only one past MAX_POSTINGS
                    continue
                if type(found) is int:
                    ranked.append((-(known(key) or compute(key)), 1, key, (found,)))
                else:
                    ranked.append((-(known(key) or compute(key)), len(found), key, found))  # type: ignore[arg-type]
            if not ranked:
                continue
            ranked.sort()  # (rarity, length, key): a doc's keys of a kind are distinct
            room = min(cap, MAX_BLOCKING_FEATURES - chosen)
            if by_key is words:
                return parts, [(p, max(1, round(-n * _QUARTERS))) for n, _, _, p in ranked[:room]]
            for negative, _, _, postings in ranked[:room]:
                parts.extend(repeat(postings, max(1, round(-negative * _QUARTERS))))
            chosen += min(room, len(ranked))
            if chosen >= MAX_BLOCKING_FEATURES:
                break
        return parts, []

    def _counted_words(self, words: Chosen) -> dict[int, int]:
        """A new dict: each position's count in the chosen words' postings (each list
        counted by its weight). Remembered for the ``COUNTED_SETS`` chosen sets last
        used (articles of one outlet's beat often block on the same words)."""
        if not words:
            return {}
        # A list of the round is the same object until the round's postings go (none
        # changes once complete); an article's own word is its position.
        key = tuple([(id(p), w) if type(p) is list else (-1 - p[0], w) for p, w in words])
        counted = self.counted.get(key)
        if counted is None:
            counted = {}
            _count_elements(
                counted, chain.from_iterable([r for p, w in words for r in repeat(p, w)])
            )
            self._remember(key, counted)
        else:
            self.counted.move_to_end(key)
        return counted.copy()

    def _remember(self, key: tuple[tuple[int, int], ...], counted: dict[int, int]) -> None:
        cache = self.counted
        cache[key] = counted
        self.counted_positions += len(counted)
        while len(cache) > COUNTED_SETS or self.counted_positions > COUNTED_POSITIONS:
            _, dropped = cache.popitem(last=False)
            self.counted_positions -= len(dropped)


class IdentityTable:
    """One identity's postings (URL, guid or title key) in flat arrays. While gathered:
    each position's key number, and an open-addressing table of the keys' 16-byte
    digests that gives them (~30 bytes a key, no object per key). :meth:`finish` drops
    the table and the digests and lists each key's positions (CSR: ~8 bytes a key)."""

    def __init__(self, size: int = 0) -> None:
        """``size``: the keys expected at most (the table is made big enough for them
        at once, not grown to it: a grown table's slots are all placed again)."""
        self.digests = bytearray()  # 16 bytes a key, in key number order
        self.slots = array("i", bytes(4 * 64 << max(0, (2 * size - 1).bit_length() - 6)))
        self.of_position = array("i")  # each position's key number, -1: none
        self.starts = array("i")  # once finished: where each key's positions start
        self.flat = array("i")  # once finished: the positions, key after key

    def add(self, key: str, position: int) -> None:
        """Note ``position``'s key (positions come in order, each once)."""
        if not key:
            self.of_position.append(-1)
            return
        digest = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        slots, digests = self.slots, self.digests
        mask = len(slots) - 1
        slot = int.from_bytes(digest, "little") & mask
        while number := slots[slot]:
            start = 16 * (number - 1)
            if digests[start : start + 16] == digest:
                self.of_position.append(number - 1)
                return
            slot = (slot + 1) & mask
        number = len(digests) // 16
        slots[slot] = number + 1
        digests += digest
        self.of_position.append(number)
        if 32 * (number + 1) > len(slots) * 16:  # at most half full: short probes
            self._grow()

    def _grow(self) -> None:
        slots = array("i", bytes(8 * len(self.slots)))
        mask = len(slots) - 1
        digests = self.digests
        for number in range(len(digests) // 16):
            start = 16 * number
            slot = int.from_bytes(digests[start : start + 16], "little") & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            slots[slot] = number + 1
        self.slots = slots

    def finish(self) -> None:
        """The round is complete: each key's positions, ascending (a counting sort of
        the positions by key number); the table and the digests go."""
        keys = len(self.digests) // 16
        self.slots, self.digests = array("i"), bytearray()
        counts = array("i", bytes(4 * (keys + 1)))
        for number in self.of_position:
            counts[number + 1] += 1  # -1 (none) counts in the unused slot 0
        starts = array("i", bytes(4 * (keys + 1)))
        total = 0
        for number in range(keys):
            starts[number] = total
            total += counts[number + 1]
        starts[keys] = total
        flat = array("i", bytes(4 * total))
        fill = array("i", starts)
        for position, number in enumerate(self.of_position):
            if number >= 0:
                flat[fill[number]] = position
                fill[number] += 1
        self.starts, self.flat = starts, flat

    def sharing(self, position: int) -> Sequence[int]:
        """The positions whose key is the one of ``position`` (none when ``position``
        is the only one: its own count is dropped anyway)."""
        number = self.of_position[position]
        if number < 0:
            return ()
        start, end = self.starts[number], self.starts[number + 1]
        return self.flat[start:end] if end - start > 1 else ()


def key_ranks(docs: Iterable[Doc]) -> RankedIds:
    """``ranked_ids`` for docs held in memory (tests, and rounds not in a store)."""
    pairs = [(doc.key, doc.article_id) for doc in docs]
    pairs.sort()
    by_id = sorted((article_id, rank) for rank, (_, article_id) in enumerate(pairs))
    return lambda: by_id
