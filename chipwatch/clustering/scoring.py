"""One score for "these two articles tell the same event", with its parts.

The weighted signals (names, defaults and meaning in :mod:`.signals`, overridden by
``[cluster.weights]``; see docs/clustering.md):

- ``title``: rapidfuzz likeness of the titles, entities masked to canonical names;
  only when both articles are in the same language and both have a real title (a title
  the parser derived from the summary is no headline: the text is compared instead).
- ``words``: shared content words of title and summary, weighted by rarity.
- ``entities``: shared entities weighted by kind and rarity.
- ``time``: published close together; a soft decay, with slack for imprecise dates.
- ``numbers``: shared amounts, percentages and counts, normalized across locales; a
  bonus added on top (most articles have none, and their absence says nothing).
- ``names``: shared name-like words the tagger does not know; a bonus too.
- ``action``: both report the same action (what happened) about the same object; a
  bonus, in every language pair: the cross-language evidence paraphrases lack.
- ``conflict``: their main actions conflict (licences promised vs revoked, a probe
  opened vs its ruling); a penalty.
- ``same_feed``: a penalty for one outlet's repeat (one feed, one wire credit, not an
  aggregator).

And two that decide alone: ``exact`` (same canonical URL or guid: the same article,
score 1) and ``same_title`` (identical normalized title of four words or more: score 1).

Across languages titles and words cannot be compared word for word, so their weight is
left out and the rest is renormalized: entities and time, plus the bonuses. A pair
across languages with no distinctive anchor (a shared action on a shared object, a
rare chip, a figure) is kept just under the threshold: it can support a story, never
make a link on its own.

Pairs further apart than the window (plus the slack of imprecise dates) are allowed
only up to the long window and only with a distinctive anchor; others score 0 and are
marked not allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

from chipwatch.clustering import action_pairs
from chipwatch.clustering.candidates import (
    DEFAULT_KIND_PRIOR,
    KIND_PRIOR,
    NORM_REFRESH,
    CandidateIndex,
    Doc,
)
from chipwatch.clustering.numbers import shared_number_score
from chipwatch.clustering.pair_score import NOTHING_SHARED as NOTHING_SHARED
from chipwatch.clustering.pair_score import PairScore as PairScore
from chipwatch.clustering.pair_score import Shared as Shared
from chipwatch.clustering.pair_score import Values, astuple_shallow
from chipwatch.clustering.pair_score import ranked as ranked
from chipwatch.clustering.text import title_similarity

# Unrelated headlines in one language already score about this much by rapidfuzz;
# likeness is measured from here up.
TITLE_FLOOR = 0.35
# Shared entity weight (kind prior x rarity) needed for full entity evidence: sharing
# only "China" and "United States" is never enough, however alike the entity sets.
ENTITY_SATURATION = 0.8
# Summed rarity of shared name-like words needed for full "names" evidence.
NAMES_SATURATION = 1.5
# Shared entities at least this rare (not places) make the distinctive weight.
OBJECT_RARITY = 0.2
# A planned action and the same action done, further apart than this: a small penalty
# ("considering approving" two weeks before "approved"); on the same day they are one
# event told twice.
PLANNED_GAP = 24 * 3600.0
PLANNED_PENALTY = 0.15
# What the two share distinctively (an anchor): the weight of shared entities other
# than places, the rarity of shared names, a shared figure (FIGURE_ANCHOR) and the
# shared action, summed; at least ANCHOR_MIN makes an anchor.
ANCHOR_MIN = 0.45
FIGURE_ANCHOR = 0.7
# A shared count (of ten or more: "18 allies", "dieciocho aliados") is half a figure:
# counts repeat more often than amounts.
COUNT_ANCHOR = 0.35
# Shared names at least this rare tie two reports whose actions were read differently.
NAMED = 0.5
# A chip at least this rare names an event beyond the window.
RARE_CHIP = 0.5


@dataclass(slots=True)
class Rules:
    """What a pair score needs besides the two articles (:class:`~.clusterer.Clusterer`
    builds it from the config): the windows in seconds, the threshold, the feeds known
    to be aggregators."""

    window: float  # pairs up to this far apart (after slack) are always allowed
    long_window: float  # and up to this far with a distinctive anchor
    time_scale: float  # time evidence reaches 0 at this gap (after slack)
    threshold: float
    aggregators: set[int] = field(default_factory=set)
    cap_cross_language: bool = True


def score_pair(
    new: Doc, old: Doc, index: CandidateIndex, weights: Mapping[str, float], rules: Rules
) -> PairScore:
    """How strongly ``new`` and ``old`` look like reports of one event (0..1)."""
    return PairScore(*score_values(new, old, index, weights, rules))


def score_values(
    new: Doc, old: Doc, index: CandidateIndex, weights: Mapping[str, float], rules: Rules
) -> Values:
    """:func:`score_pair`'s fields as one tuple, in their order: a settle pass builds the
    :class:`PairScore` only for the pairs it keeps (at the threshold, or an article's
    closest so far), a few of the ~9 it scores an article.

    Written for speed: the weighted mean and the action evidence inline, each step
    skipped where it cannot change anything. ``tests/test_scoring_exact.py`` holds it
    to the plain form (``tests/scoring_reference.py``), bit for bit."""
    if (new.url and new.url == old.url) or (new.guid and new.guid == old.guid):
        return astuple_shallow(PairScore(1.0, exact=True, anchor=True))  # (rare)
    same_title = bool(new.title_key) and new.title_key == old.title_key
    entities, shared_entities, distinct = _entity_overlap(new, old, index)
    words, shared_words = _word_overlap(new, old, index)
    common = new.numbers & old.numbers
    # No shared figure scores the int 0, as the sum over none does (the stored part).
    numbers, shared_numbers = shared_number_score(common, common) if common else (0, [])
    names_shared = new.names & old.names
    if names_shared:
        names, shared_names = _names_of(names_shared, index)
        named = math.fsum(shared_names[1])
    else:
        names, shared_names, named = 0.0, NOTHING_SHARED, 0.0
    gap = abs(new.published - old.published)
    fuzzy_gap = gap - new.slack - old.slack
    if fuzzy_gap < 0.0:  # max(0.0, ...): a -0.0 left reads as 0.0 below
        fuzzy_gap = 0.0
    time = 0.0
    if rules.time_scale:
        time = 1.0 - fuzzy_gap / rules.time_scale
        if time < 0.0:
            time = 0.0
    cross = new.lang != old.lang
    title: float | None = None
    # The weighted mean of the signals the pair can use (see the module doc).
    w_entities, w_time = weights["entities"], weights["time"]
    if cross:
        total = w_entities + w_time
        base = (w_entities * entities + w_time * time) / total if total else 0.0
    else:
        w_words = weights["words"]
        w_title = 0.0
        if new.title and old.title:
            title = _title_part(new.title, old.title)
            w_title = weights["title"]
        total = w_title + w_words + w_entities + w_time
        mean = w_title * (title or 0.0) + w_words * words + w_entities * entities + w_time * time
        base = mean / total if total else 0.0
    # The actions' readings, read once (a memoized, pure lookup) for both uses.
    readings = None
    action = 0.0
    shared_action = conflict = None
    vetoes = planned = False
    if new.actions and old.actions:
        readings = action_pairs.read(new, old)
        action, shared_action, found, _ = readings
        if found is not None:
            if found[2] == "modality":
                planned = gap > PLANNED_GAP
            else:
                conflict, vetoes = (found[0], found[1]), True
    # Each (real) headline names a company or a person the other article never mentions:
    # "Samsung launches HBM4" and "Micron launches HBM4" are two events.
    if new.actors and old.actors and new.title and old.title and _other_actors(new, old):
        conflict, vetoes = conflict or ("actor", "actor"), True
    figures = bool(common) and any(not key.startswith("n:") for key in common)
    counted = COUNT_ANCHOR if common and not figures else 0.0
    distinctive = distinct[1] + named + (FIGURE_ANCHOR if figures else counted) + action
    anchor = same_title or distinctive >= ANCHOR_MIN
    # Beyond the window only what names the event itself will do: the same action as
    # the news on a shared object, a figure, a rare chip.
    beyond = same_title or figures or action >= 1.0 or distinct[2]
    score = base + weights["numbers"] * numbers + weights["names"] * names
    score += weights["action"] * action
    if conflict is not None:
        score -= weights["conflict"]
    if planned:
        score -= PLANNED_PENALTY
    same_feed = None
    if (
        new.feed_id == old.feed_id
        and new.credit == old.credit
        and new.host == old.host
        and new.feed_id not in rules.aggregators
    ):
        same_feed = -weights["same_feed"]
        score += same_feed
    capped = False
    if (
        cross
        and rules.cap_cross_language
        and score >= rules.threshold
        and (not anchor or (not figures and named < NAMED and _disagree(new, old, readings)))
    ):
        # Across languages only distinctive evidence joins; and two reports whose
        # news (their primary actions) differ are two events, however many names
        # they share, unless figures or rare names tie them.
        score, capped = rules.threshold - 0.01, True
    if same_title:
        score = 1.0
    allowed = fuzzy_gap <= rules.window or (gap <= rules.long_window and beyond and not planned)
    return (
        max(0.0, min(1.0, score)) if allowed else 0.0,
        entities,
        words,
        time,
        numbers,
        names,
        title,
        same_feed,
        same_title,
        False,
        shared_entities,
        shared_words,
        shared_names,
        shared_numbers,
        action,
        shared_action,
        conflict,
        vetoes,
        anchor,
        allowed,
        cross,
        capped,
    )


def _title_part(a: str, b: str) -> float:
    similarity = title_similarity(a, b)
    return max(0.0, (similarity - TITLE_FLOOR) / (1.0 - TITLE_FLOOR))


# Each overlap returns its evidence (0..1) and what is shared, with the weights.
# Rarities are read from the frequencies' memo (``get(x) or compute(x)``: a rarity is
# never 0), in the order of the shared set, so the sums add the same numbers in the
# same order. Each doc's cached weight totals are read inline while fresh, else through
# ``index.doc_norms`` (which refreshes them): at the same moments as with a call each.


def _entity_overlap(
    new: Doc, old: Doc, index: CandidateIndex
) -> tuple[float, Shared, tuple[float, float, bool]]:
    """Entity evidence, the shared entities, and (the weight of the shared entities
    that can be an action's object, the weight of those that are not places, whether
    one is a rare chip)."""
    ours = new.entities
    if not ours or not old.entities:
        return 0.0, NOTHING_SHARED, _NO_OBJECTS
    shared = ours.keys() & old.entities.keys()
    if not shared:
        return 0.0, NOTHING_SHARED, _NO_OBJECTS
    known, compute, prior = index.entity_rarity.get, index.rarity_of_entity, KIND_PRIOR.get
    # One pass over the shared set (the sweep scores millions of pairs): each rarity
    # is read in the set's order, before any weight total, as when this was four.
    weight: list[float] = []
    things_w: list[float] = []
    objects_w: list[float] = []
    chip = False
    for name in shared:
        kind = ours[name]
        rarity = known(name) or compute(name, kind)
        w = prior(kind, DEFAULT_KIND_PRIOR) * rarity
        weight.append(w)
        if kind != "place":
            things_w.append(w)
            if rarity >= OBJECT_RARITY:
                objects_w.append(w)
            if kind == "chip" and rarity >= RARE_CHIP:
                chip = True
    top = math.fsum(weight)  # exact: the same whatever order the set gave (see _word_overlap)
    strength = min(1.0, top / ENTITY_SATURATION)
    stamp = index.df.stamp
    seen, _, left = new.norms
    if stamp - seen >= NORM_REFRESH:
        left = index.doc_norms(new)[1]
    seen, _, right = old.norms
    if stamp - seen >= NORM_REFRESH:
        right = index.doc_norms(old)[1]
    evidence = (math.fsum(objects_w), math.fsum(things_w), chip)
    return _cosine(top, left, right) * strength, (shared, weight), evidence


_NO_OBJECTS = (0.0, 0.0, False)


def _disagree(new: Doc, old: Doc, readings: action_pairs.Readings | None) -> bool:
    """Both report primary actions, and no primary action of one is the same event as
    one of the other's (read only where it decides: a pair across languages that
    reaches the threshold)."""
    if not (new.primary and old.primary):
        return False
    return not (readings if readings is not None else action_pairs.read(new, old))[3]


def _other_actors(new: Doc, old: Doc) -> bool:
    """Each headline names an actor of one kind (two companies, two people, two
    agencies) that the other article never mentions. Of two kinds (the agency that
    issues a rule, the company it hits) they are two sides of one event."""
    ours, others = new.entities, old.entities
    # Most pairs scored tell one event: each headline's actors are all mentioned by the
    # other article (a subset test in C), and neither side has one of its own.
    if others.keys() >= new.actors or ours.keys() >= old.actors:
        return False
    mine = {ours.get(name) for name in new.actors if name not in others}
    if not mine:
        return False
    theirs = {others.get(name) for name in old.actors if name not in ours}
    return not mine.isdisjoint(theirs)


def _names_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    shared = new.names & old.names
    if not shared:
        return 0.0, NOTHING_SHARED
    return _names_of(shared, index)


def _names_of(shared: frozenset[str], index: CandidateIndex) -> tuple[float, Shared]:
    """Names evidence of a (non-empty) set of shared name-like words, with their rarities."""
    weight = _rarities(shared, index.name_rarity.get, index.rarity_of_name)
    return min(1.0, math.fsum(weight) / NAMES_SATURATION), (shared, weight)


def _rarities(
    shared: frozenset[str], known: Callable[[str], float | None], compute: Callable[[str], float]
) -> list[float]:
    """The rarity of each shared item, in the set's order: memoized ones read in one C
    call, the rest computed (in the set's order) and memoized by ``compute``. A rarity
    is never 0, so a miss is the None of ``known``."""
    found = list(map(known, shared))
    if None in found:
        return [w if w is not None else compute(x) for x, w in zip(shared, found, strict=True)]
    return cast("list[float]", found)


def _word_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    shared = new.words & old.words
    if not shared:
        return 0.0, NOTHING_SHARED
    weight = _rarities(shared, index.word_rarity.get, index.rarity_of_word)
    stamp = index.df.stamp
    seen, left, _ = new.norms
    if stamp - seen >= NORM_REFRESH:
        left = index.doc_norms(new)[0]
    seen, right, _ = old.norms
    if stamp - seen >= NORM_REFRESH:
        right = index.doc_norms(old)[0]
    # A set's order follows the strings' hashes, which differ from one process to the
    # next: a plain sum's last bits would too, and a tie at the threshold or between
    # candidates would then fall differently from one poll to the next. fsum is exact.
    return _cosine(math.fsum(weight), left, right), (shared, weight)


def _cosine(shared: float, left: float, right: float) -> float:
    """Shared weight normalized by both sides' total weight (a set cosine), at most 1."""
    return min(1.0, shared / math.sqrt(left * right)) if left > 0 and right > 0 else 0.0
