"""The pair score as it was before session 26 (branch scorecost), kept as the reference
``tests/test_scoring_exact.py`` holds :func:`chipwatch.clustering.scoring.score_pair` to,
bit for bit. Only the parts that were rewritten are here (the overlaps as session 25
left them, the actions read twice, the actors by set difference, the weighted mean as
its own function, the names' rarities one by one); the rest is imported from the module, unchanged."""

from __future__ import annotations

import math
from collections.abc import Mapping

from chipwatch.clustering import action_pairs
from chipwatch.clustering.candidates import (
    DEFAULT_KIND_PRIOR,
    KIND_PRIOR,
    NORM_REFRESH,
    CandidateIndex,
    Doc,
)
from chipwatch.clustering.numbers import shared_number_score
from chipwatch.clustering.scoring import (
    ANCHOR_MIN,
    COUNT_ANCHOR,
    ENTITY_SATURATION,
    FIGURE_ANCHOR,
    NAMED,
    NAMES_SATURATION,
    NOTHING_SHARED,
    OBJECT_RARITY,
    PLANNED_GAP,
    PLANNED_PENALTY,
    RARE_CHIP,
    PairScore,
    Rules,
    Shared,
    _cosine,
    _title_part,
)

_NO_OBJECTS = (0.0, 0.0, False)


def _base(
    weights: Mapping[str, float],
    entities: float,
    words: float,
    time: float,
    title: float | None,
    cross: bool,
) -> float:
    """The weighted mean of the signals the pair can use, as ``score_pair`` computed it
    before session 27 (now inline there)."""
    w_entities, w_time = weights["entities"], weights["time"]
    if cross:
        total = w_entities + w_time
        return (w_entities * entities + w_time * time) / total if total else 0.0
    w_words = weights["words"]
    w_title = weights["title"] if title is not None else 0.0
    total = w_title + w_words + w_entities + w_time
    mean = w_title * (title or 0.0) + w_words * words + w_entities * entities + w_time * time
    return mean / total if total else 0.0


def reference_score_pair(
    new: Doc, old: Doc, index: CandidateIndex, weights: Mapping[str, float], rules: Rules
) -> PairScore:
    """``score_pair`` as it was before session 26 (its helpers below, as they were)."""
    if (new.url and new.url == old.url) or (new.guid and new.guid == old.guid):
        return PairScore(1.0, exact=True, anchor=True)
    same_title = bool(new.title_key) and new.title_key == old.title_key
    entities, shared_entities, distinct = _entity_overlap(new, old, index)
    words, shared_words = _word_overlap(new, old, index)
    common = new.numbers & old.numbers
    # No shared figure scores the int 0, as the sum over none does (the stored part).
    numbers, shared_numbers = shared_number_score(common, common) if common else (0, [])
    names, shared_names = _names_overlap(new, old, index)
    gap = abs(new.published - old.published)
    fuzzy_gap = max(0.0, gap - new.slack - old.slack)
    time = max(0.0, 1.0 - fuzzy_gap / rules.time_scale) if rules.time_scale else 0.0
    cross = new.lang != old.lang
    title: float | None = None
    if not cross and new.title and old.title:
        title = _title_part(new.title, old.title)
    base = _base(weights, entities, words, time, title, cross)
    action, shared_action, conflict, vetoes, planned = _action_evidence(new, old, gap)
    disagree = bool(new.primary and old.primary) and not _news_agrees(new, old)
    # Each (real) headline names a company or a person the other article never mentions:
    # "Samsung launches HBM4" and "Micron launches HBM4" are two events.
    if new.title and old.title and _other_actors(new, old):
        conflict, vetoes = conflict or ("actor", "actor"), True
    figures = any(not key.startswith("n:") for key in common)
    named = math.fsum(shared_names[1]) if shared_names[1] else 0.0
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
        and (not anchor or (disagree and not figures and named < NAMED))
    ):
        # Across languages only distinctive evidence joins; and two reports whose
        # news (their primary actions) differ are two events, however many names
        # they share, unless figures or rare names tie them.
        score, capped = rules.threshold - 0.01, True
    if same_title:
        score = 1.0
    allowed = fuzzy_gap <= rules.window or (gap <= rules.long_window and beyond and not planned)
    return PairScore(
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
    left, right = _norms(index, new)[1], _norms(index, old)[1]
    evidence = (math.fsum(objects_w), math.fsum(things_w), chip)
    return _cosine(top, left, right) * strength, (shared, weight), evidence


def _norms(index: CandidateIndex, doc: Doc) -> tuple[float, float]:
    """``index.doc_norms(doc)``, without the call while the cached totals are fresh."""
    stamp, words, entities = doc.norms
    if index.df.stamp - stamp >= NORM_REFRESH:
        return index.doc_norms(doc)
    return words, entities


def _action_evidence(
    new: Doc, old: Doc, gap: float
) -> tuple[float, tuple[str, str] | None, tuple[str, str] | None, bool, bool]:
    """(how much both report the same action, 0..1; that action as (class, object);
    a pair of primary actions telling different developments (conflicting classes, or
    a reaction or a meeting against the act itself), read by
    :func:`~chipwatch.clustering.actions.article_conflict`; whether it keeps the two
    apart (a veto); planned on one side and done on the other more than
    ``PLANNED_GAP`` apart). Read through the memoized :mod:`.action_pairs`."""
    if not new.actions or not old.actions:
        return 0.0, None, None, False, False
    evidence, shared, found, _ = action_pairs.read(new, old)
    if found is None:
        return evidence, shared, None, False, False
    mine, theirs, reason = found
    if reason == "modality":
        return evidence, shared, None, False, gap > PLANNED_GAP
    return evidence, shared, (mine, theirs), True, False


def _other_actors(new: Doc, old: Doc) -> bool:
    """Each headline names an actor of one kind (two companies, two people, two
    agencies) that the other article never mentions. Of two kinds (the agency that
    issues a rule, the company it hits) they are two sides of one event."""
    mine = {new.entities.get(name) for name in new.actors - old.entities.keys()}
    if not mine:
        return False
    theirs = {old.entities.get(name) for name in old.actors - new.entities.keys()}
    return not mine.isdisjoint(theirs)


def _news_agrees(new: Doc, old: Doc) -> bool:
    """Some primary action of one is the same event as some primary action of the other."""
    return action_pairs.read(new, old)[3]


def _word_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    shared = new.words & old.words
    if not shared:
        return 0.0, NOTHING_SHARED
    known, compute = index.word_rarity.get, index.rarity_of_word
    weight = [known(word) or compute(word) for word in shared]
    left, right = _norms(index, new)[0], _norms(index, old)[0]
    # A set's order follows the strings' hashes, which differ from one process to the
    # next: a plain sum's last bits would too, and a tie at the threshold or between
    # candidates would then fall differently from one poll to the next. fsum is exact.
    return _cosine(math.fsum(weight), left, right), (shared, weight)


def _names_overlap(new: Doc, old: Doc, index: CandidateIndex) -> tuple[float, Shared]:
    """As it was before session 27 (the rarities read one by one)."""
    shared = new.names & old.names
    if not shared:
        return 0.0, NOTHING_SHARED
    known, compute = index.name_rarity.get, index.rarity_of_name
    weight = [known(name) or compute(name) for name in shared]
    return min(1.0, math.fsum(weight) / NAMES_SATURATION), (shared, weight)
