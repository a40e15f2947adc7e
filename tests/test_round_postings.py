"""Issue 20: the sweep's compact postings give the whole round's candidates.

:class:`~chipwatch.clustering.round_postings.RoundPostings` keeps a first import's
postings as positions in flat arrays (identities as digests, a bare int for a feature
only one article has, a stand-in for one too common to block on, no keys) to bound the
sweep's memory; blocking must not see the difference. The references: a
:class:`~chipwatch.clustering.candidates.CandidateIndex` holding every doc of the
round, as the whole-round settle pass builds it, and the former round postings
(``tests/round_postings_reference.py``, session 26: strings and per-key objects),
compared on synthetic rounds and on the labelled set's first import.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.clustering.candidates import MAX_POSTINGS, CandidateIndex, Doc
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.round_postings import TOO_COMMON, IdentityTable, RoundPostings, key_ranks
from chipwatch.clustering.settle_plan import canonical

DAY = 86400.0


def _docs(count: int, seed: int) -> list[Doc]:
    """Docs with every case blocking meets: words shared by more than ``MAX_POSTINGS``
    articles and words of one article, URLs and title keys shared by a few (an article
    in two feeds) or by none, empty identities, equal published times, and ties."""
    rng = random.Random(seed)
    common = [f"common{i}" for i in range(4)]  # each in about half of the docs
    words = [f"w{i}" for i in range(400)]
    entities = {f"E{i}": rng.choice(("chip", "company", "place")) for i in range(30)}
    docs = []
    for i in range(count):
        shared_copy = rng.random() < 0.1 and docs
        base = rng.choice(docs) if shared_copy else None
        chosen = {rng.choice(words) for _ in range(rng.randint(2, 9))}
        chosen |= {c for c in common if rng.random() < 0.5}
        chosen |= {f"only{i}"} if rng.random() < 0.5 else set()
        names = {n: entities[n] for n in rng.sample(sorted(entities), rng.randint(0, 3))}
        published = rng.choice((0.0, 1.0)) * 3600 + rng.randrange(60) * DAY / 4
        docs.append(
            Doc(
                article_id=1000 + i * 7 % 997,
                story_id=0,
                feed_id=rng.randrange(5),
                lang="en",
                published=published,
                title="",
                title_key=base.title_key if base else rng.choice(("", f"title {i}")),
                url=base.url if base else rng.choice(("", f"https://x.example/{i}")),
                guid="" if rng.random() < 0.3 else f"guid-{i}",
                entities=names,
                words=frozenset(chosen),
                numbers=frozenset({f"amt:{rng.randrange(20)}"} if rng.random() < 0.4 else ()),
                names=frozenset({f"name{rng.randrange(40)}"} if rng.random() < 0.3 else ()),
                key=f"key-{rng.randrange(count // 2)}-{i}",
            )
        )
    return sorted(docs, key=canonical)


def _both(docs: list[Doc]) -> tuple[CandidateIndex, RoundPostings]:
    """An index of the whole round and the round's postings, over the same frozen
    rarities, each holding every doc."""
    df = DocumentFrequencies()
    for doc in docs:
        df.add(doc)
    df.freeze()
    whole = CandidateIndex(horizon_seconds=float("inf"), df=df)
    compact = RoundPostings(df, key_ranks(docs))
    for doc in docs:
        whole.add(doc)
        compact.add(doc)
    return whole, compact


def test_round_postings_give_the_candidates_of_the_whole_round_index() -> None:
    for seed in range(3):
        docs = _docs(900, seed)
        whole, compact = _both(docs)
        assert any(len(p) > MAX_POSTINGS for p in whole.kinds[6].values())  # too common
        assert any(len(p) == 1 for p in whole.kinds[0].values())  # an article's own URL
        assert any(len(p) > 1 for p in whole.kinds[0].values())  # one in two feeds
        for window in (DAY, 5 * DAY):
            for limit in (1, 12):
                for doc in docs:
                    expected = whole.candidates(doc, window_seconds=window, limit=limit)
                    found = list(compact.iter_candidates(doc, window_seconds=window, limit=limit))
                    assert found == expected, (seed, doc.article_id)


def test_round_postings_rank_the_window_alone_or_the_whole_round_alike() -> None:
    # Session 30: when few of the shared positions are within the window, only they
    # are ranked (their place among the first ``limit * 3`` read from the others'
    # counts and key ranks, ties included); a window holding more, or the whole round,
    # ranks them all. Every window size gives the whole-round index's candidates.
    docs = _docs(600, 7)
    whole, compact = _both(docs)
    for window in (DAY / 3, 2 * DAY, 10 * DAY, 100 * DAY, -DAY):
        for limit in (1, 3, 12):
            for doc in docs:
                expected = whole.candidates(doc, window_seconds=window, limit=limit)
                found = list(compact.iter_candidates(doc, window_seconds=window, limit=limit))
                assert found == expected, (window, limit, doc.article_id)


def test_round_postings_window_where_its_bounds_round_otherwise() -> None:
    # |t - p| <= w holds for t below p - w as floats: the window's own test decides.
    p, w, t = 1.683733664527579, 2.8791013543526365, -1.1953676898250576
    assert abs(t - p) <= w and t < p - w
    docs = _docs(40, 12)
    for doc, published in zip(docs, (t, p, p + 2 * w, p - 3 * w), strict=False):
        doc.published, doc.entities = published, {"Edge": "chip"}
    docs.sort(key=canonical)
    whole, compact = _both(docs)
    for doc in docs:
        expected = whole.candidates(doc, window_seconds=w, limit=12)
        assert list(compact.iter_candidates(doc, window_seconds=w, limit=12)) == expected
    at_p = next(d for d in docs if d.published == p)
    at_t = next(d for d in docs if d.published == t)
    assert at_t.article_id in compact.iter_candidates(at_p, window_seconds=w, limit=12)


@pytest.mark.parametrize(("sets", "positions"), [(1, 10_000), (3, 200), (256, 1 << 16)])
def test_remembered_word_counts_give_the_same_candidates(
    monkeypatch: pytest.MonkeyPatch, sets: int, positions: int
) -> None:
    # Session 29: the counts of a chosen set of word postings are remembered (bounded)
    # and copied for the next article blocking on the same words. Asked twice in
    # another order (hits), and with bounds small enough to evict at once (misses).
    from chipwatch.clustering import round_postings

    monkeypatch.setattr(round_postings, "COUNTED_SETS", sets)
    monkeypatch.setattr(round_postings, "COUNTED_POSITIONS", positions)
    docs = _docs(600, 11)
    whole, compact = _both(docs)
    counted: list[int] = []  # a new count made (not remembered)
    remember = compact._remember
    monkeypatch.setattr(compact, "_remember", lambda *a: counted.append(1) or remember(*a))
    asked = [*docs, *reversed(docs)]
    for doc in asked:
        found = list(compact.iter_candidates(doc, window_seconds=2 * DAY, limit=12))
        assert found == whole.candidates(doc, window_seconds=2 * DAY, limit=12), doc.article_id
        assert len(compact.counted) <= sets and compact.counted_positions <= positions
        assert compact.counted_positions == sum(map(len, compact.counted.values()))
    assert 0 < len(counted) < len(asked)  # counted, and remembered counts were read


def _reference() -> type:
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        import round_postings_reference
    finally:
        sys.path.pop(0)
    return round_postings_reference.RoundPostings  # type: ignore[no-any-return]


def test_round_postings_give_the_candidates_of_the_former_round_postings() -> None:
    reference = _reference()
    for seed in range(3, 6):
        docs = _docs(900, seed)  # article ids unique up to 997
        df = DocumentFrequencies()
        for doc in docs:
            df.add(doc)
        df.freeze()
        former, compact = reference(df), RoundPostings(df, key_ranks(docs))
        for doc in docs:
            former.add(doc)
            compact.add(doc)
        for window in (DAY / 2, 3 * DAY):
            for limit in (1, 4, 12):
                for doc in docs:
                    expected = list(former.iter_candidates(doc, window_seconds=window, limit=limit))
                    found = list(compact.iter_candidates(doc, window_seconds=window, limit=limit))
                    assert found == expected, (seed, doc.article_id)


def test_labelled_first_import_gets_the_candidates_of_the_former_round_postings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The labelled set's first import (every feed in one round: the sweep), with the
    # sweep's postings asked of both: each article's candidate list must be equal.
    from benchmarks.quality_sets import labelled_set, run_order
    from chipwatch.clustering import settle_sweep

    reference = _reference()
    asked: list[int] = []

    class Both(RoundPostings):
        def __init__(self, df: DocumentFrequencies, ranked_ids: object, size: int = 0) -> None:
            super().__init__(df, ranked_ids, size=size)  # type: ignore[arg-type]
            self.former = reference(df)

        def add(self, doc: Doc) -> None:
            super().add(doc)
            self.former.add(doc)

        def iter_candidates(self, doc: Doc, *, window_seconds: float, limit: int) -> Iterator[int]:
            found = list(super().iter_candidates(doc, window_seconds=window_seconds, limit=limit))
            expected = self.former.iter_candidates(doc, window_seconds=window_seconds, limit=limit)
            assert found == list(expected), doc.article_id
            asked.append(len(found))
            return iter(found)

    monkeypatch.setattr(settle_sweep, "RoundPostings", Both)
    # Gathered by the pass itself (not as the articles were written: round_gather).
    monkeypatch.setattr(settle_sweep, "in_canonical_order", lambda *args: None)
    run_order(labelled_set(), "poll")
    assert len(asked) > 100 and sum(asked) > 100  # the sweep ran, and found candidates


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["", "a", "b", "\ud800", "长", "\U0001f600x", "a" * 40]), max_size=60)
)
def test_identity_table_lists_the_positions_sharing_a_key(keys: list[str]) -> None:
    # Any text (CJK, astral characters, lone surrogates, the empty string: none) and
    # enough keys to grow the table.
    keys = [f"{key}{i % 7}" if key and i % 3 else key for i, key in enumerate(keys * 3)]
    for table in (IdentityTable(), IdentityTable(len(keys))):  # grown, or made big enough
        for position, key in enumerate(keys):
            table.add(key, position)
        table.finish()
        for position, key in enumerate(keys):
            same = [p for p, other in enumerate(keys) if key and other == key]
            assert list(table.sharing(position)) == (same if len(same) > 1 else [])


def test_round_postings_refuse_key_ranks_of_another_round() -> None:
    docs = _docs(50, 9)
    compact = RoundPostings(DocumentFrequencies(), key_ranks(docs[1:]))
    for doc in docs:
        compact.add(doc)
    with pytest.raises(ValueError, match="key ranks"):
        next(compact.iter_candidates(docs[0], window_seconds=DAY, limit=3), None)


def test_round_postings_refuse_key_ranks_that_are_not_a_ranking() -> None:
    docs = _docs(40, 10)
    twice = [(article_id, rank // 2) for article_id, rank in key_ranks(docs)()]
    compact = RoundPostings(DocumentFrequencies(), lambda: twice)
    for doc in docs:
        compact.add(doc)
    with pytest.raises(ValueError, match="not a ranking"):
        next(compact.iter_candidates(docs[0], window_seconds=DAY, limit=3), None)


@pytest.mark.parametrize("seed", [0, 5])
def test_postings_gathered_in_any_order_and_reordered_are_the_rounds(seed: int) -> None:
    # Session 31: a first import's clusterer gathers the postings in the order the
    # writer meets the articles (round_gather); the pass moves each to its canonical
    # position. The same arrays, lists, stand-ins, identities and candidates as the
    # postings gathered in canonical order.
    from chipwatch.clustering.round_gather import Gathered, reorder

    docs = _docs(700, seed)
    whole, compact = _both(docs)
    met = docs[:]
    random.Random(seed).shuffle(met)
    gathered = Gathered(compact.df, key_ranks(docs))
    for doc in met:
        gathered.add(doc)
    postings = gathered.postings
    assert postings is not None
    at = {doc.article_id: g for g, doc in enumerate(met)}
    reorder(postings, [at[doc.article_id] for doc in docs])
    assert postings.ids == compact.ids and postings.times == compact.times
    for mine, theirs in zip(postings.lists, compact.lists, strict=True):
        assert mine == theirs  # an int, an ascending list, or a stand-in
        assert {k for k, v in mine.items() if v is TOO_COMMON} == {
            k for k, v in theirs.items() if v is TOO_COMMON
        }
    for doc in docs:
        expected = whole.candidates(doc, window_seconds=5 * DAY, limit=12)
        assert list(postings.iter_candidates(doc, window_seconds=5 * DAY, limit=12)) == expected
    list(compact.iter_candidates(docs[0], window_seconds=DAY, limit=1))  # completes it
    for mine, theirs in zip(postings.identities, compact.identities, strict=True):
        for p in range(len(docs)):
            assert list(mine.sharing(p)) == list(theirs.sharing(p))
    assert any(list(t.sharing(p)) for t in compact.identities for p in range(len(docs)))


def test_gathered_postings_are_spoiled_by_an_article_met_twice() -> None:
    from chipwatch.clustering.round_gather import Gathered

    docs = _docs(20, 3)
    gathered = Gathered(DocumentFrequencies(), key_ranks(docs))
    for doc in docs:
        gathered.add(doc)
    assert gathered.postings is not None and len(gathered.postings) == 20
    gathered.add(docs[4])  # rewritten in the round: its first features are gathered
    assert gathered.postings is None
    gathered.add(docs[5])
    assert gathered.postings is None
