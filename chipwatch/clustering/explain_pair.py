"""The stored explanation (:class:`~.explanation.Explanation`) of a decision made on a
scored pair: what the two articles share, ranked, and the pair's signals."""

from __future__ import annotations

from collections.abc import Sequence

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.explanation import JOINED, STARTED, Explanation
from chipwatch.clustering.pair_score import PairScore, ranked

# How many shared items of each kind are stored.
STORED = 8


def explanation_of(
    doc: Doc,
    matched: Doc | None,
    pair: PairScore | None,
    *,
    joined: bool,
    threshold: float,
    via: str,
    bridged: Sequence[tuple[int, float]] = (),
    flipped: bool = False,
) -> Explanation:
    """Why ``doc`` joined ``matched``'s story through ``pair`` (``joined``), or started
    a story of its own, ``pair`` being its closest miss (None: no candidate at all).
    ``flipped``: the pair was scored with ``matched`` first (its conflict reads the
    other way round)."""
    decision = JOINED if joined else STARTED
    if pair is None or matched is None:
        return Explanation(decision=decision, threshold=threshold, via=via)
    action = pair.shared_action
    return Explanation(
        decision=decision,
        score=pair.score,
        parts=pair.parts,
        shared_entities=tuple(ranked(pair.entity_overlap)[:STORED]),
        shared_words=tuple(ranked(pair.word_overlap)[:STORED]),
        matched_article_id=matched.article_id,
        threshold=threshold,
        shared_figures=tuple(sorted(pair.shared_numbers, key=_figure_order)[:STORED]),
        shared_names=tuple(ranked(pair.name_overlap)[:STORED]),
        via=via,
        matched_hours=(matched.published - doc.published) / 3600.0,
        action=action,
        conflict=(pair.conflict[1], pair.conflict[0])
        if flipped and pair.conflict is not None
        else pair.conflict,
        bridged=tuple(bridged),
        also=_also(doc, matched, action),
    )


def _also(doc: Doc, matched: Doc, action: tuple[str, str] | None) -> tuple[str, ...]:
    """Other classes of news both articles report of the shared action's object (the
    seed pair: sales resumed, and licences granted for the H20), at most two."""
    if action is None:
        return ()
    cls, obj = action

    def classes(d: Doc) -> set[str]:
        return {
            m.action
            for m in d.actions
            if (not obj or obj in (o for o, _ in m.objects)) and not m.action.startswith("frame.")
        }

    return tuple(sorted(classes(doc) & classes(matched) - {cls})[:2])


def _figure_order(key: str) -> tuple[int, str]:
    """Amounts first, then percentages, then counts."""
    kind = key.partition(":")[0]
    return ({"amt": 0, "pct": 1}.get(kind, 2), key)
