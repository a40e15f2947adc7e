"""A first import's round postings, gathered while its articles are written (issue 20).

The sweep (:mod:`.settle_sweep`) blocks on the whole round's postings
(:class:`.round_postings.RoundPostings`), each article a position in canonical order
(published time, key, id). Gathering them at the pass meant reading every article of
the round back from the store and decoding its features (~0.6 s of the pass's one core
at 10,000 articles), when the clusterer had each article's doc in hand as it was
written. So a first import's clusterer adds each doc it leaves to the pass to postings
of its own (:class:`Gathered`), in the order the writer meets them, and the pass puts
them in canonical order (:func:`in_canonical_order`):

- each position of the gathered postings moves to the article's canonical position:
  ids and times reordered, every posting list mapped and sorted (as gathered in
  canonical order, a list is ascending), each identity's key numbers carried over (the
  numbers themselves differ; the positions sharing a key do not);
- the canonical order is the one the pass's own reading gives: the store's round in
  published order, read ``READ`` at a time, each slice sorted on (published, key, id)
  (keys read from the store, no features).

Postings depend only on which articles hold which features, never on the order they
were added in (a feature past ``MAX_POSTINGS`` articles is a stand-in either way), so
the result is the postings the pass would gather (``tests/test_round_gather.py``). The
pass uses them only when they are exactly its round: every article of it gathered once,
none more, and each with the features the writer kept for it (an article whose page
text clustering reads, a full_text feed's, has its features computed again from the
store). Otherwise, and after anything rolled back, it gathers them itself as before.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.round_postings import RankedIds, RoundPostings
from chipwatch.store.clustering import round_keys, unkept_count

if TYPE_CHECKING:
    from sqlite_utils import Database

# Articles the pass reads from the store at a time (:func:`slices`).
READ = 1000
# The round in published order: ids, and whether each shares the previous one's time.
Order = tuple["array[int]", bytearray]


def slices(order: Order) -> Iterator[tuple[int, int]]:
    """The round read ``READ`` articles at a time, as ``(start, end)``: a slice never
    splits one published time, so sorting each slice on (published, key, id) sorts
    the whole (the pass's canonical order)."""
    ids, same = order
    start = 0
    while start < len(ids):
        end = min(start + READ, len(ids))
        while end < len(ids) and same[end]:
            end += 1
        yield start, end
        start = end


class Gathered:
    """The postings of the docs a first import's clusterer leaves to the pass, in the
    order it meets them; spoiled by a doc met twice (an article rewritten in the round)."""

    def __init__(self, df: DocumentFrequencies, ranked_ids: RankedIds) -> None:
        self.postings: RoundPostings | None = RoundPostings(df, ranked_ids)
        self.seen: set[int] = set()

    def add(self, doc: Doc) -> None:
        postings = self.postings
        if postings is None:
            return
        if doc.article_id in self.seen:
            self.postings, self.seen = None, set()
            return
        self.seen.add(doc.article_id)
        postings.add(doc)


def in_canonical_order(
    db: Database, gathered: Gathered | None, order: Order
) -> RoundPostings | None:
    """The gathered postings with their positions in the pass's canonical order, when
    they are exactly the round in ``order`` (see the module doc); else None."""
    postings = gathered.postings if gathered is not None else None
    ids = order[0]
    if postings is None or len(postings) != len(ids) or postings.complete:
        return None
    assert gathered is not None
    if any(i not in gathered.seen for i in ids) or unkept_count(db):
        return None
    at = {article_id: g for g, article_id in enumerate(postings.ids)}
    times = postings.times
    canonical: list[int] = []  # gathered positions, in canonical order
    for start, end in slices(order):
        keys = round_keys(db, ids[start:end])
        if len(keys) != end - start:
            return None
        part = [at[i] for i in ids[start:end]]
        part.sort(key=lambda g: (times[g], keys[postings.ids[g]], postings.ids[g]))
        canonical += part
    reorder(postings, canonical)
    return postings


def reorder(postings: RoundPostings, canonical: list[int]) -> None:
    """Move gathered position ``canonical[p]`` to position ``p``, everywhere (the
    postings are not complete yet: nothing read them)."""
    moved = array("i", bytes(4 * len(canonical)))  # gathered position -> canonical one
    for p, g in enumerate(canonical):
        moved[g] = p
    postings.ids = array("q", [postings.ids[g] for g in canonical])
    postings.times = array("d", [postings.times[g] for g in canonical])
    for by_key in postings.lists:
        for key, found in by_key.items():
            if type(found) is int:
                by_key[key] = moved[found]
            elif type(found) is list:
                by_key[key] = sorted([moved[g] for g in found])
    for table in postings.identities:
        numbers = table.of_position
        table.of_position = array("i", [numbers[g] for g in canonical])
