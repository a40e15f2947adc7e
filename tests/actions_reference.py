"""The action matcher as it was before session 27 (branch featcpu): the reference
``tests/test_features_exact.py`` holds :func:`chipwatch.clustering.actions.find_actions`
to, mention for mention."""

from __future__ import annotations

from collections.abc import Sequence

from chipwatch.clustering.action_words import _ALL_MARKS, _MARKS, Spans, _abbreviation
from chipwatch.clustering.actions import ActionMention, find_actions
from chipwatch.model import EntityMatch


def reference_find_actions(
    title: str, summary: str, lang: str, matches: Sequence[EntityMatch]
) -> tuple[ActionMention, ...]:
    """``find_actions`` as it was."""
    return find_actions(title, summary, lang, matches)


def reference_drop_inside(found: Spans, ignored: list[tuple[int, int]]) -> None:
    """``drop_inside`` as it was: each word against each name."""
    for number, spans in list(found.items()):
        kept = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in ignored)]
        if kept:
            found[number] = kept
        else:
            del found[number]


def reference_sentence_of(folded: str, at: int) -> tuple[int, int]:
    """``sentence_of`` as it was: the marks looked for around ``at`` on each call."""
    marks = _MARKS if folded.isascii() else _ALL_MARKS
    low = 0
    for mark in marks:
        found = folded.rfind(mark, low, at)
        if found >= 0:
            low = found + 1
    stop = folded.rfind(". ", low, at + 1)  # at + 1: ``at`` may be the space after it
    while stop >= 0 and _abbreviation(folded, stop):
        stop = folded.rfind(". ", low, stop)
    if stop >= 0:
        low = stop + 2
    high = len(folded)
    for mark in marks:
        found = folded.find(mark, at, high)
        if found >= 0:
            high = found
    stop = folded.find(". ", at, high)
    while stop >= 0 and _abbreviation(folded, stop):
        stop = folded.find(". ", stop + 2, high)
    if stop >= 0:
        high = stop
    return low, high
