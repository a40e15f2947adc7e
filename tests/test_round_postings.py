"""Issue 20: the sweep's compact postings give the whole round's candidates.

:class:`~chipwatch.clustering.round_postings.RoundPostings` keeps a first import's
postings as positions (a bare int for a feature only one article has, a stand-in for
one too common to block on) to bound the sweep's memory; blocking must not see the
difference. The reference is a :class:`~chipwatch.clustering.candidates.CandidateIndex`
holding every doc of the round, as the whole-round settle pass builds it.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.clustering.candidates import MAX_POSTINGS, CandidateIndex, Doc
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.round_postings import PackedPostings, RoundPostings
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


def test_round_postings_give_the_candidates_of_the_whole_round_index() -> None:
    for seed in range(3):
        docs = _docs(900, seed)
        df = DocumentFrequencies()
        for doc in docs:
            df.add(doc)
        df.freeze()
        whole = CandidateIndex(horizon_seconds=float("inf"), df=df)
        compact = RoundPostings(df)
        for doc in docs:
            whole.add(doc)
            compact.add(doc)
        assert any(len(p) > MAX_POSTINGS for p in whole.kinds[6].values())  # too common
        assert any(len(p) == 1 for p in whole.kinds[0].values())  # an article's own URL
        assert any(len(p) > 1 for p in whole.kinds[0].values())  # one in two feeds
        for window in (DAY, 5 * DAY):
            for limit in (1, 12):
                for doc in docs:
                    expected = whole.candidates(doc, window_seconds=window, limit=limit)
                    found = list(compact.iter_candidates(doc, window_seconds=window, limit=limit))
                    assert found == expected, (seed, doc.article_id)


def test_round_postings_hold_a_feature_of_one_article_as_a_bare_position() -> None:
    docs = _docs(300, 7)
    compact = RoundPostings(DocumentFrequencies())
    for doc in docs:
        compact.add(doc)
    own = [v for v in compact.lists[0].values() if isinstance(v, int)]
    assert own and all(0 <= v < len(docs) for v in own)
    assert len(compact) == len(docs)
    assert [compact.position(doc) for doc in docs] == list(range(len(docs)))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=12),
        st.one_of(st.integers(0, 10**6), st.lists(st.integers(0, 10**6), min_size=2, max_size=5)),
        max_size=40,
    ),
    st.lists(st.text(max_size=12), max_size=10),
)
def test_packed_identity_postings_answer_as_the_table_they_pack(
    table: dict[str, int | list[int]], others: list[str]
) -> None:
    # Issue 20: the sweep packs the URL, guid and title-key tables once the round is
    # complete (any text: CJK, astral characters, lone surrogates, the empty string).
    packed = PackedPostings(table)
    for key in [*table, *others]:
        found = packed.get(key)
        if key in table:
            expected = table[key]
            assert list(found or ()) == ([expected] if isinstance(expected, int) else expected)
        else:
            assert found is None
