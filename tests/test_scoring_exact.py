"""Rewrites of ``score_pair``'s hot parts give the numbers the plain forms gave.

The sweep of a first import scores every pair of candidates (~35,000 pairs for 3,000
articles of a burst), so the overlaps are written for speed. Each rewrite is held here to
the form it replaced, kept below as the reference, to the last bit: on every ordered pair
of the labelled set and its background week, with the frequencies frozen (as in the
sweep) and changing between pairs (as in live placement), and on generated entity sets.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chipwatch.clustering import scoring
from chipwatch.clustering.candidates import DEFAULT_KIND_PRIOR, KIND_PRIOR, CandidateIndex, Doc
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.model import ENTITY_KINDS
from tests.test_action_pairs import docs  # noqa: F401  (the labelled set as docs)


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
