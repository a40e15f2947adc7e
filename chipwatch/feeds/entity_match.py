"""Candidate spans and EntityMatch values: the pieces of tagging after the automaton.

Patterns are stored as plain tuples (indexing is faster than attribute access in the
hot loop); ``make_matches`` builds genuine frozen EntityMatch values cheaply.
"""

from __future__ import annotations

from collections.abc import Callable

from chipwatch.feeds.entity_data import Pattern
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


class _Draft:
    """Same slots as EntityMatch, built by a plain ``__init__``, then re-classed.

    EntityMatch's frozen ``__init__`` spends one ``object.__setattr__`` call per field,
    which was half of tagging's time. A _Draft has the identical slot layout, so
    assigning ``__class__`` turns it into a genuine, frozen, hashable EntityMatch.
    """

    __slots__ = EntityMatch.__slots__

    def __init__(
        self, entity: str, kind: str, field: str, start: int, end: int, text: str, rule: str
    ) -> None:
        self.entity = entity
        self.kind = kind
        self.field = field
        self.start = start
        self.end = end
        self.text = text
        self.rule = rule


def _reclass_works() -> bool:
    """Whether a re-classed _Draft is exactly the EntityMatch the dataclass would build."""
    sample = ("H20", "chip", "title", 0, 3, "H20", "alias")
    try:
        draft = _Draft(*sample)
        draft.__class__ = EntityMatch  # type: ignore[assignment]
    except TypeError:  # another interpreter's object layout rules
        return False
    return type(draft) is EntityMatch and draft == EntityMatch(*sample)


RECLASS = _reclass_works()


def make_matches(
    kept: list[Found], text: str, index: list[int] | None, split: int
) -> list[EntityMatch]:
    """EntityMatch values with offsets into the original title or summary."""
    if not RECLASS:
        return [
            EntityMatch(p[ENTITY], p[KIND], field, start, end, text[a:b], p[RULE])
            for field, start, end, a, b, p in _spans(kept, index, split)
        ]
    new = object.__new__
    matches = []
    for start, negative_length, p in kept:
        end = start - negative_length
        if index is not None:
            start, end = index[start], index[end - 1] + 1
        match = new(_Draft)
        match.entity = p[ENTITY]
        match.kind = p[KIND]
        match.text = text[start:end]
        match.rule = p[RULE]
        if start < split:
            match.field, match.start, match.end = "title", start, end
        else:
            match.field, match.start, match.end = "summary", start - split - 1, end - split - 1
        match.__class__ = EntityMatch
        matches.append(match)
    return matches  # type: ignore[return-value]


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
