"""Candidate spans and EntityMatch values: the pieces of tagging after the automaton.

Patterns are stored as plain tuples (indexing is faster than attribute access in the
hot loop); ``make_matches`` builds the EntityMatch values.
"""

from __future__ import annotations

from collections.abc import Callable

from chipwatch.entities.data import Pattern
from chipwatch.model import EntityMatch

CJK = "\u2e80"  # from here on (CJK, kana, Hangul) no word boundary is needed

# Pattern tuples in the automaton (tuples index faster than attributes in the hot loop).
LEFT, RIGHT, CASED, REQUIRES, ENTITY, KIND, ALIAS, RULE, TAGS = range(9)
PatternTuple = tuple[bool, bool, bool, frozenset[str], str, str, str, str, tuple[str, ...]]
# (folded start, -(folded length), pattern): sorts by start, longest first
Found = tuple[int, int, PatternTuple]
Find = Callable[[str], list[tuple[int, int, int]]]


def as_tuple(pattern: Pattern, ancestors: tuple[str, ...]) -> PatternTuple:
    """The hot-loop form of a pattern; TAGS (entity, kind, ancestors) open gates.

    A gated pattern's rule is left open: "; found X)" is added when its gate opens.
    """
    label = "cased alias" if pattern.case_sensitive else "alias"
    rule = f'{label} "{pattern.alias}"'
    if pattern.requires:
        rule += f" (requires {' or '.join(pattern.requires)}"
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
    """EntityMatch values with offsets into the original title or summary."""
    return [
        EntityMatch(p[ENTITY], p[KIND], field, start, end, text[a:b], p[RULE])
        for field, start, end, a, b, p in _spans(kept, index, split)
    ]


def _spans(kept: list[Found], index: list[int] | None, split: int):  # type: ignore[no-untyped-def]
    """(field, start, end, start in text, end in text, pattern) for each kept candidate."""
    for start, negative_length, p in kept:
        a, b = start, start - negative_length
        if index is not None:
            a, b = index[a], index[b - 1] + 1
        if a < split:
            yield "title", a, b, a, b, p
        else:
            yield "summary", a - split - 1, b - split - 1, a, b, p
