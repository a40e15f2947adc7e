"""Rewrites of ``score_pair``'s hot parts give the numbers the plain forms gave.

The sweep of a first import scores every pair of candidates (~35,000 pairs for 3,000
articles of a burst), so the overlaps are written for speed. Each rewrite is held here to
the form it replaced, kept below as the reference, to the last bit: on every ordered pair
of the labelled set and its background week, with the frequencies frozen (as in the
sweep) and changing between pairs (as in live placement), and on generated entity sets.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.bench_entities import realnews_items, realnews_path
from benchmarks.synth import generate_articles
from chipwatch.clustering import candidates, scoring
from chipwatch.clustering.candidates import DEFAULT_KIND_PRIOR, KIND_PRIOR, CandidateIndex, Doc
from chipwatch.clustering.clusterer import build_doc, rules_for
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.signals import merged_weights
from chipwatch.config import ClusterConfig
from chipwatch.model import ENTITY_KINDS, Article
from chipwatch.textsafe import first_sentence
from tests import scoring_reference
from tests.test_action_pairs import docs  # noqa: F401  (the labelled set as docs)
from tests.test_cluster import TAGGER


def reference_entity_overlap(
    new: Doc, old: Doc, index: CandidateIndex
) -> tuple[float, scoring.Shared, tuple[float, float, bool]]:
    """``_entity_overlap`` as it was before the one-pass form (session 24)."""
    ours = new.entities
    if not ours or not old.entities:
        return 0.0, scoring.NOTHING_SHARED, (0.0, 0.0, False)
    shared = ours.keys() & old.entities.keys()
    if not shared:
        return 0.0, scoring.NOTHING_SHARED, (0.0, 0.0, False)
    known, compute, prior = index.entity_rarity.get, index.rarity_of_entity, KIND_PRIOR.get
    rarities = [known(name) or compute(name, ours[name]) for name in shared]
    weight = [
        prior(ours[name], DEFAULT_KIND_PRIOR) * rarity
        for name, rarity in zip(shared, rarities, strict=True)
    ]
    top = math.fsum(weight)
    strength = min(1.0, top / scoring.ENTITY_SATURATION)
    left, right = index.doc_norms(new)[1], index.doc_norms(old)[1]
    things_w: list[float] = []
    objects_w: list[float] = []
    chip = False
    for name, rarity, w in zip(shared, rarities, weight, strict=True):
        if ours[name] != "place":
            things_w.append(w)
            if rarity >= scoring.OBJECT_RARITY:
                objects_w.append(w)
        chip = chip or (ours[name] == "chip" and rarity >= scoring.RARE_CHIP)
    evidence = (math.fsum(objects_w), math.fsum(things_w), chip)
    return scoring._cosine(top, left, right) * strength, (shared, weight), evidence


def reference_word_overlap(
    new: Doc, old: Doc, index: CandidateIndex
) -> tuple[float, scoring.Shared]:
    """``_word_overlap`` as it was (the norms read through ``doc_norms`` each time)."""
    shared = new.words & old.words
    if not shared:
        return 0.0, scoring.NOTHING_SHARED
    known, compute = index.word_rarity.get, index.rarity_of_word
    weight = [known(word) or compute(word) for word in shared]
    left, right = index.doc_norms(new)[0], index.doc_norms(old)[0]
    return scoring._cosine(math.fsum(weight), left, right), (shared, weight)


def _same(a: object, b: object) -> bool:
    return repr(a) == repr(b)  # floats to the last bit, sets in the same order


def _check(new: Doc, old: Doc, index: CandidateIndex) -> None:
    expected = reference_entity_overlap(new, old, index)
    assert _same(scoring._entity_overlap(new, old, index), expected)
    assert _same(scoring._word_overlap(new, old, index), reference_word_overlap(new, old, index))


@pytest.mark.parametrize("frozen", [True, False])
def test_one_pass_overlaps_equal_the_plain_ones_on_every_labelled_pair(
    docs: list[Doc],  # noqa: F811
    frozen: bool,
) -> None:
    df = DocumentFrequencies()
    index = CandidateIndex(horizon_seconds=float("inf"), df=df)
    if frozen:  # the sweep: every doc counted, then one snapshot
        for doc in docs:
            df.add(doc)
        df.freeze()
    for n, new in enumerate(docs):
        if not frozen:  # live placement: each doc counted before the next is scored
            df.add(new)
        for old in docs[: n if not frozen else len(docs)]:
            _check(new, old, index)


KINDS = st.sampled_from(sorted(ENTITY_KINDS))
ENTITIES = st.dictionaries(st.sampled_from([f"E{i}" for i in range(12)]), KINDS, max_size=8)


@given(st.lists(ENTITIES, min_size=2, max_size=8), st.lists(ENTITIES, max_size=20))
def test_one_pass_entity_overlap_equals_the_plain_one_on_generated_sets(
    sets: list[dict[str, str]], counted: list[dict[str, str]]
) -> None:
    df = DocumentFrequencies()
    index = CandidateIndex(horizon_seconds=float("inf"), df=df)
    made = [_doc(i, entities) for i, entities in enumerate(sets)]
    for i, entities in enumerate(counted):
        df.add(_doc(100 + i, entities))
    for new in made:
        for old in made:
            _check(new, old, index)


def _doc(number: int, entities: dict[str, str]) -> Doc:
    return Doc(
        article_id=number,
        story_id=number,
        feed_id=1,
        lang="en",
        published=0.0,
        title="",
        title_key="",
        url="",
        guid="",
        entities=dict(entities),
        words=frozenset(),
        numbers=frozenset(),
    )


# ---- the whole pair score (session 26: actions read once, actors without set
# differences, cached weight totals read inline), against tests/scoring_reference.py.
# Each side runs on its own copies of the docs and its own frequencies, so that neither
# refreshes a cached total or a memoized rarity for the other: a rewrite that read a
# stale total, or refreshed one at another moment, would differ.


def _scores(
    group: list[Doc], pairs: list[tuple[int, int]], *, frozen: bool, score: object
) -> list[str]:
    """``score`` of each (new, old) pair of positions, as ``repr``: live, each doc is
    counted just before its first pair as new (the frequencies change between pairs);
    frozen, every doc is counted first and the rarities snapshotted (the sweep)."""
    copies = [doc.copy() for doc in group]
    df = DocumentFrequencies()
    index = CandidateIndex(horizon_seconds=float("inf"), df=df)
    weights, rules = merged_weights({}), rules_for(ClusterConfig())
    counted: set[int] = set()
    if frozen:
        for doc in copies:
            df.add(doc)
        df.freeze()
    out = []
    for n, o in pairs:
        if not frozen and n not in counted:
            counted.add(n)
            df.add(copies[n])
        out.append(repr(score(copies[n], copies[o], index, weights, rules)))  # type: ignore[operator]
    return out


def _assert_equal_scores(
    group: list[Doc], pairs: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal frozen, live, and live with the cached totals refreshed every few changes
    (every 4,096 otherwise: a test's few hundred docs would never read a stale one)."""
    for frozen, refresh in ((True, None), (False, None), (False, 5)):
        if refresh is not None:
            for module in (candidates, scoring, scoring_reference):
                monkeypatch.setattr(module, "NORM_REFRESH", refresh)
        new = _scores(group, pairs, frozen=frozen, score=scoring.score_pair)
        old = _scores(group, pairs, frozen=frozen, score=scoring_reference.reference_score_pair)
        differing = [pairs[i] for i, (a, b) in enumerate(zip(new, old, strict=True)) if a != b]
        assert not differing, (
            f"{len(differing)} of {len(pairs)} pairs differ (frozen={frozen}, refresh={refresh})"
        )


def _candidate_pairs(group: list[Doc], per_doc: int = 12) -> list[tuple[int, int]]:
    """Each doc with the candidates an index of every doc proposes (the pairs that are
    scored in practice), in published order."""
    index = CandidateIndex(horizon_seconds=float("inf"))
    order = sorted(range(len(group)), key=lambda i: (group[i].published, group[i].key))
    position = {group[i].article_id: i for i in order}
    for i in order:
        index.add(group[i].copy())
    return [
        (i, position[other])
        for i in order
        for other in index.iter_candidates(group[i], window_seconds=7 * 86400.0, limit=per_doc)
    ]


def _docs_of(items: list[tuple[Article, str]]) -> list[Doc]:
    """Docs of (article, feed) items, tagged by the shipped tagger (three feeds: some
    pairs share one, as one outlet's repeats do)."""
    out = []
    for n, (article, _) in enumerate(items, start=1):
        matches = TAGGER.tag(article.title, article.summary)
        out.append(build_doc(n, n, n % 3, article, matches))
    return out


def test_the_pair_score_equals_the_reference_on_every_labelled_pair(
    docs: list[Doc],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The labelled set and its week (the articles that report an action)."""
    pairs = [(n, o) for n in range(len(docs)) for o in range(len(docs)) if n != o]
    _assert_equal_scores(docs, pairs, monkeypatch)


def test_the_pair_score_equals_the_reference_on_a_synthetic_bursts_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles = [item.article() for item in generate_articles(600, span=timedelta(days=2))]
    made = _docs_of([(a, "") for a in articles])
    _assert_equal_scores(made, _candidate_pairs(made), monkeypatch)


@pytest.mark.skipif(realnews_path() is None, reason="../shared/corpora/realnews is not here")
def test_the_pair_score_equals_the_reference_on_every_realnews_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = realnews_path()
    assert path is not None
    items = []
    for n, item in enumerate(realnews_items(path)):
        published = datetime.fromisoformat(item["published"]).replace(tzinfo=UTC)
        url = item.get("url") or f"https://realnews.example.org/{n}"
        title = (item.get("title") or "").strip()
        article = Article(
            key=url,
            feed_url=f"https://{item['outlet']}/feed",
            title=title or first_sentence(item.get("summary") or ""),
            summary=item.get("summary") or "",
            url=url,
            published=published,
            fetched_at=published,
            lang=item.get("lang") or "und",
            title_derived=not title,
        )
        items.append((article, item["outlet"]))
    made = _docs_of(items)
    pairs = [(n, o) for n in range(len(made)) for o in range(len(made)) if n != o]
    _assert_equal_scores(made, pairs, monkeypatch)
