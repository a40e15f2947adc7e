"""An article's action matches before they are mentions: how they are told apart and
framed. :class:`~chipwatch.clustering.action_reading.Reading` drafts one per matched rule
(its words, sentence, action and objects); :func:`resolved` keeps, per sentence, one per
action and object; :func:`frames` says which reaction, meeting or report governs each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chipwatch.clustering.action_grammar import ActionClass, ActionGrammar

# (start, end, sentence, rule rank, action, rule label, objects, the match's words), in
# folded offsets
Draft = tuple[
    int,
    int,
    tuple[int, int],
    int,
    str,
    str,
    tuple[tuple[str, str], ...],
    tuple[tuple[int, int], ...],
]


def frames(
    actions: Mapping[str, ActionClass],
    drafts: list[Draft],
    *,
    verb_final: bool,
    governs: Callable[[Draft, Draft], bool],
) -> list[str]:
    """The frame each action's sentence puts it in ("" for none): a reaction, a meeting
    or a report governs the actions of its sentence; a meeting only those after it (or
    before it, in a verb-final language) in its clause ("after meeting Trump, Commerce
    issued licences": the licences are the news)."""
    framing = [d for d in drafts if actions[d[4]].frame]
    if not framing:
        return [""] * len(drafts)
    out = []
    for draft in drafts:
        frame = ""
        if not actions[draft[4]].frame:
            for candidate in framing:
                if candidate[2] != draft[2]:
                    continue
                scope = actions[candidate[4]].frame
                if scope == "sentence" or (
                    (candidate[0] > draft[0]) == verb_final and governs(candidate, draft)
                ):
                    frame = candidate[4]
                    if actions[frame].context:
                        break
        out.append(frame)
    return out


def resolved(grammar: ActionGrammar, drafts: list[Draft]) -> list[Draft]:
    """Per sentence: one mention per action and object (the first), and of two
    conflicting actions read from the same words, the one of the earlier rule."""
    kept: list[Draft] = []
    for draft in drafts:
        clash = None
        for at, other in enumerate(kept):
            if other[2] != draft[2] or not _agree(draft[6], other[6]):
                continue
            if other[4] == draft[4]:
                clash = -1
                break
            # Two readings of the same words: "the ban on exports was eased" is not
            # also a ban imposed.
            overlap = draft[0] < other[1] and other[0] < draft[1]
            if overlap and draft[4] in grammar.actions[other[4]].conflicts:
                clash = at if draft[3] < other[3] else -1
                break
        if clash is None:
            kept.append(draft)
        elif clash >= 0:
            kept[clash] = draft
    return kept


def _agree(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> bool:
    return not a or not b or not set(a).isdisjoint(b)
