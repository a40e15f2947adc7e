"""What the settle pass builds only when it reads it (session 27) is what it built before.

A group's :class:`~chipwatch.clustering.settle_profile.Profile` (its main actions, for
the story-level veto) was built for every article up front and joined at every link;
it is now built from the group's articles, in their order, when a link first reads it.
A pair's whole :class:`~chipwatch.clustering.scoring.PairScore` is built only when the
pass keeps it, from :func:`~chipwatch.clustering.scoring.score_values`.
"""

from __future__ import annotations

import random
from dataclasses import astuple
from itertools import pairwise

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.clusterer import rules_for
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.pair_score import ALLOWED, SCORE, VETOES, PairScore
from chipwatch.clustering.scoring import score_pair, score_values
from chipwatch.clustering.settle_profile import Profile
from chipwatch.clustering.signals import merged_weights
from chipwatch.config import ClusterConfig
from tests.test_action_pairs import docs  # noqa: F401  (the labelled set's docs with actions)


def test_a_profile_built_when_first_read_equals_the_one_joined_link_by_link(
    docs: list[Doc],  # noqa: F811
) -> None:
    """Groups of the labelled set's docs joined in random orders: the profile of the
    joined members, built at once, equals the profiles joined one link at a time (the
    same counts, the same first mention of each class), and vetoes the same groups."""
    rng = random.Random(27)
    for _ in range(200):
        picked = rng.sample(docs, rng.randint(2, 12))
        groups = [[d] for d in picked]
        joined = [Profile.of(g) for g in groups]
        while len(groups) > 1:
            i, j = sorted(rng.sample(range(len(groups)), 2))
            left, right = groups[i], groups.pop(j)
            joined[i] = joined[i].joined(joined.pop(j))
            left += right  # the pass's members: the left group's, then the right's
            built = Profile.of(left)
            assert built == joined[i]
            assert built.mentions == joined[i].mentions
            assert built.main() == joined[i].main()
        whole = Profile.of(groups[0])
        other = Profile.of(rng.sample(docs, 3))
        assert whole.conflicts(other) == joined[0].conflicts(other)


def test_score_values_are_the_pair_scores_fields_in_order(docs: list[Doc]) -> None:  # noqa: F811
    """``PairScore(*score_values(...))`` is ``score_pair``, and the positions the pass
    reads first are the score, the veto and the window's verdict."""
    df = DocumentFrequencies()
    for doc in docs:
        df.add(doc)
    df.freeze()
    index = CandidateIndex(horizon_seconds=float("inf"), df=df)
    weights, rules = merged_weights({}), rules_for(ClusterConfig())
    for new, old in pairwise(docs):
        values = score_values(new, old, index, weights, rules)
        pair = score_pair(new, old, index, weights, rules)
        assert repr(PairScore(*values)) == repr(pair)
        assert astuple(pair) == values
        assert (values[SCORE], values[VETOES], values[ALLOWED]) == (
            pair.score,
            pair.vetoes,
            pair.allowed,
        )
