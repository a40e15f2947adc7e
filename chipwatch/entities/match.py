"""Candidate spans and EntityMatch values: the pieces of tagging after the automaton.

Patterns are stored as plain tuples (indexing is faster than attribute access in the
hot loop); ``make_matches`` builds the EntityMatch values.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Final

from chipwatch.entities.data import Pattern
from chipwatch.model import EntityMatch

CJK = "\u2e80"  # from here on (CJK, kana, Hangul) no word boundary is needed

# Pattern tuples in the automaton: plain tuples, because the hot loop reads a few fields
# of every hit, and on CPython 3.11 a NamedTuple's fields (by name, or by index: a tuple
# subclass is not specialised) take about a third longer per read. The positions are
# Final literals, so the type checker knows p[ALIAS] is a str.
LEFT: Final = 0  # bool: a Latin letter or digit before the spelling rejects it
RIGHT: Final = 1  # bool: the same after it
CASED: Final = 2  # bool: written as the alias, or in capitals
REQUIRES: Final = 3  # frozenset[str]: the gate (empty: none)
ENTITY: Final = 4  # str
KIND: Final = 5  # str
ALIAS: Final = 6  # str: the spelling as written in the dictionary
RULE: Final = 7  # str: why it matched (EntityMatch.rule)
TAGS: Final = 8  # tuple[str, ...]: entity, kind and ancestors (they open gates)
PatternTuple = tuple[bool, bool, bool, frozenset[str], str, str, str, str, tuple[str, ...]]
# (folded start, -(folded length), pattern): sorts by start, longest first
Found = tuple[int, int, PatternTuple]
Find = Callable[[str], list[tuple[int, int, int]]]


# A gate of more names than this is said as its first three and how many more: one
# mention's rule listed all 18 names of a common word's gate ("licence") in 3 lines.
GATE_NAMES_SHOWN = 4


def gate_text(requires: Sequence[str]) -> str:
    """A gated rule's gate, left open for "; found X)": `` (requires NVIDIA or chip``;
    a long one `` (requires export controls, Entity List, Huawei or 15 more``."""
    if not requires:
        return ""
    if len(requires) <= GATE_NAMES_SHOWN:
        return f" (requires {' or '.join(requires)}"
    return f" (requires {', '.join(requires[:3])} or {len(requires) - 3} more"


def as_tuple(pattern: Pattern, ancestors: tuple[str, ...]) -> PatternTuple:
    """The hot-loop form of a pattern; TAGS (entity, kind, ancestors) open gates.

    A gated pattern's rule is left open: "; found X)" is added when its gate opens.
    """
    label = "cased alias" if pattern.case_sensitive else "alias"
    rule = f'{label} "{pattern.alias}"'
    rule += gate_text(pattern.requires)
    return (
        pattern.left_boundary,
        pattern.right_boundary,
        pattern.case_sensitive,
        frozenset(pattern.requires),
        pattern.entity,
        pattern.kind,
        pattern.alias,
        rule,
        (pattern.entity, pattern.kind, *ancestors),
    )


def opened(p: PatternTuple, opener: str) -> PatternTuple:
    """A gated pattern whose gate ``opener`` opened: its rule is closed with it."""
    rule = f"{p[RULE]}; found {opener})"
    return (p[LEFT], p[RIGHT], p[CASED], p[REQUIRES], p[ENTITY], p[KIND], p[ALIAS], rule, p[TAGS])


def end_of(found: Found) -> int:
    """Where a candidate ends (folded offset)."""
    return found[0] - found[1]


def may_hide(span: str) -> bool:
    """Whether another spelling could start or end inside this rejected span."""
    return not span.isalnum() or max(span) >= CJK


def longest(found: list[Found]) -> list[Found]:
    """Non-overlapping candidates: where spellings overlap, the longest wins.

    One sweep over candidates sorted by start, longest first: a span inside the last
    kept one is dropped ("hynix" in "SK hynix"); a span that runs past it replaces it
    only when longer. On equal spans an ungated pattern sorts (and wins) first.
    """
    found.sort()
    kept: list[Found] = []
    last_start = last_end = -1
    for item in found:
        start = item[0]
        end = start - item[1]
        if start >= last_end:
            kept.append(item)
            last_start, last_end = start, end
        elif end > last_end and end - start > last_end - last_start:
            kept[-1] = item
            last_start, last_end = start, end
    return kept


def make_matches(
    kept: list[Found], text: str, index: list[int] | None, split: int
) -> list[EntityMatch]:
    """EntityMatch values with offsets into the original title or summary.

    Built with ``tuple.__new__`` (what a NamedTuple's own constructor ends in, without
    its Python-level argument handling): a third of the time of tagging an article
    went into making a dozen of these.
    """
    found: list[EntityMatch] = []
    append = found.append
    for start, negative_length, p in kept:
        a, b = start, start - negative_length
        if index is not None:
            a, b = index[a], index[b - 1] + 1
        if a < split:
            append(_new(EntityMatch, (p[ENTITY], p[KIND], "title", a, b, text[a:b], p[RULE])))
        else:
            field = (
                p[ENTITY],
                p[KIND],
                "summary",
                a - split - 1,
                b - split - 1,
                text[a:b],
                p[RULE],
            )
            append(_new(EntityMatch, field))
    return found


_new = tuple.__new__


class Overlaps:
    """Whether a span overlaps one of some candidates: a bisection over their starts and
    the furthest end reached so far (an article may hold thousands of both)."""

    def __init__(self, found: list[Found]) -> None:
        spans = sorted((start, start - negative) for start, negative, _ in found)
        self._starts = [start for start, _ in spans]
        self._reach: list[int] = []
        furthest = -1
        for _, end in spans:
            furthest = max(furthest, end)
            self._reach.append(furthest)

    def __call__(self, start: int, end: int) -> bool:
        before = bisect.bisect_left(self._starts, end)  # the candidates starting before end
        return before > 0 and self._reach[before - 1] > start
