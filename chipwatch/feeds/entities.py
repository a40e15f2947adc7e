"""Entity tagging: one Aho–Corasick automaton per dictionary, compiled once.

``build_tagger(config)`` gives a :class:`Tagger` (cached per distinct set of the user's
``[entities.NAME]`` tables). ``Tagger.tag(title, summary)`` returns
:class:`~chipwatch.model.EntityMatch` values whose ``start``/``end`` index the ORIGINAL
field text, even when NFKC or case folding changed its length.

How a match is decided:

1. the field is folded (NFKC + lower case); when folding changes lengths an index map
   from folded to original offsets is built, otherwise offsets are shared;
2. the automaton reports every dictionary spelling found in the folded text;
3. a spelling that starts (ends) with a Latin letter or digit needs a word boundary
   there; CJK, kana and Hangul need none (Korean particles attach to names);
4. case-sensitive aliases ("Arm", "BIS", "US") must appear as written, or in capitals;
5. overlapping candidates: the longest wins, so "RTX Pro 6000D" beats "RTX Pro 6000";
   a boundary keeps "H20" out of "H200" and "Intel" out of "intelligence";
6. gated aliases ("H2O" for the H20) count only when an entity or kind they require
   (or a part of it: the H20 opens a gate that requires NVIDIA) was tagged elsewhere
   in the same article without a gate.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from chipwatch.feeds.entity_automaton import BACKEND, Automaton
from chipwatch.feeds.entity_data import (
    Pattern,
    apply_user_entities,
    builtin_tables,
    check_references,
    entities_from_tables,
    fold_key,
    patterns_for,
    spelling_variants,
    strip_latin_accents,
)
from chipwatch.feeds.entity_fold import case_ok, fold_with_map
from chipwatch.model import Entity, EntityMatch

if TYPE_CHECKING:
    from chipwatch.config import Config, EntityConfig


class Tagger:
    """A compiled entity dictionary: tags text and resolves names.

    ``backend`` picks the matcher ("ahocorasick_rs" or "pyahocorasick"); results are
    the same, only the speed differs.
    """

    def __init__(self, entities: Mapping[str, Entity], *, backend: str = BACKEND) -> None:
        self.entities: Mapping[str, Entity] = dict(entities)
        self._names: dict[str, list[str]] = defaultdict(list)
        self._children: dict[str, set[str]] = defaultdict(set)
        keyed: dict[str, list[Pattern]] = defaultdict(list)
        for entity in self.entities.values():
            if entity.parent:
                self._children[entity.parent].add(entity.name)
            self._index_names(entity)
            for key, pattern in patterns_for(entity):
                if pattern not in keyed[key]:
                    keyed[key].append(pattern)
        self._keys = list(keyed)
        self._patterns = [
            tuple(_as_tuple(p, self._ancestors(p.entity)) for p in keyed[key]) for key in self._keys
        ]
        self._automaton = Automaton(self._keys, backend=backend)
        self._empty = not keyed

    def _index_names(self, entity: Entity) -> None:
        keys = {fold_key(entity.name)}
        for alias in entity.aliases:
            keys |= {fold_key(v) for v in spelling_variants(alias.text, part_number=True)}
        for key in keys:
            names = self._names[key]
            if entity.name not in names:
                names.append(entity.name)

    # ------------------------------------------------------------------ lookups

    def resolve(self, name: str) -> Entity | None:
        """The entity called ``name`` (canonical or any alias; case/width/accent-insensitive).

        When an alias is shared, an entity whose canonical name it is wins, then the
        first entity in dictionary order.
        """
        key = fold_key(name.strip().removeprefix("@").strip('"'))
        candidates = self._names.get(key) or self._names.get(strip_latin_accents(key))
        if not candidates:
            return None
        for candidate in candidates:
            if fold_key(candidate) == key:
                return self.entities[candidate]
        return self.entities[candidates[0]]

    def _ancestors(self, name: str) -> tuple[str, ...]:
        """Parents up the chain (H20 → Hopper → NVIDIA): they open gates too."""
        chain: list[str] = []
        entity = self.entities.get(name)
        while entity and entity.parent and entity.parent not in chain and entity.parent != name:
            chain.append(entity.parent)
            entity = self.entities.get(entity.parent)
        return tuple(chain)

    def descendants(self, name: str) -> set[str]:
        """``name`` and every entity below it through ``parent`` links.

        ``name`` may be any alias; an unknown name gives just itself.
        """
        entity = self.entities.get(name) or self.resolve(name)
        name = entity.name if entity else name
        found = {name}
        stack = [name]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    # ------------------------------------------------------------------ tagging

    def tag(self, title: str, summary: str = "") -> list[EntityMatch]:
        """Every entity mention in ``title`` and ``summary``, sorted by field then start."""
        if self._empty or not (title or summary):
            return []
        # One pass over "title\nsummary": the newline is a word boundary no spelling
        # crosses, and ``split`` (the newline's offset) tells the fields apart.
        if title and summary:
            text, split = f"{title}\n{summary}", len(title)
        else:
            text, split = (title, len(title)) if title else (summary, -1)
        folded, index = fold_with_map(text)
        found = self._leftmost_longest(text, folded, index)
        if found is None:  # a rejected hit may hide an overlapping one: look at all
            found = _longest(self._candidates(text, folded, index))
        return _make_matches(found, text, index, split)

    def _leftmost_longest(
        self, text: str, folded: str, index: list[int] | None
    ) -> list[_Found] | None:
        """The fast path: leftmost-longest hits, already in order and never overlapping.

        Returns None when a rejected hit could hide a valid overlapping spelling (see
        ``_may_hide``); the caller then takes the exhaustive path, which gives the same
        result as this one whenever this one answers.
        """
        kept: list[_Found] = []
        gated: list[_Found] = []
        size = len(folded)
        patterns = self._patterns
        for number, start, end in self._automaton.find_longest(folded):
            taken = pending = False
            for p in patterns[number]:
                if p[_LEFT] and start and (c := folded[start - 1]).isalnum() and c < _CJK:
                    continue
                if p[_RIGHT] and end < size and (c := folded[end]).isalnum() and c < _CJK:
                    continue
                if (
                    p[_CASED]
                    and (index is not None or text[start:end] != p[_ALIAS])
                    and not case_ok(text, index, start, end, p[_ALIAS])
                ):
                    continue
                if p[_REQUIRES]:
                    gated.append((start, start - end, p))
                    pending = True
                elif not taken:
                    kept.append((start, start - end, p))
                    taken = True
            if not (taken or pending) and _may_hide(folded[start:end]):
                return None
        if gated and not self._open_gates(gated, kept, folded):
            return None
        return kept

    @staticmethod
    def _open_gates(gated: list[_Found], kept: list[_Found], folded: str) -> bool:
        """Insert the gated candidates whose gate opens; False when the fast path must yield."""
        starts = {item[0] for item in kept}
        ungated = list(kept)
        for start, negative_length, p in gated:
            if start in starts:  # an ungated spelling of the same span already won
                continue
            opened = _opener(p[_REQUIRES], ungated)
            if opened is None:
                if _may_hide(folded[start : start - negative_length]):
                    return False
                continue
            rule = f"{p[_RULE]}; found {opened})"
            bisect.insort(kept, (start, negative_length, (*p[:_RULE], rule, *p[_RULE + 1 :])),
                          key=_start)  # fmt: skip
            starts.add(start)
        return True

    def _candidates(self, text: str, folded: str, index: list[int] | None) -> list[_Found]:
        """The exhaustive path: every valid candidate, overlapping ones included; gated
        ones join when an ungated candidate opens their gate."""
        plain, gated = self._scan(text, folded, index, self._automaton.find)
        ungated = list(plain)
        for start, negative_length, p in gated:
            opened = _opener(p[_REQUIRES], ungated)
            if opened is not None:
                rule = f"{p[_RULE]}; found {opened})"
                plain.append((start, negative_length, (*p[:_RULE], rule, *p[_RULE + 1 :])))
        return plain

    def _scan(
        self, text: str, folded: str, index: list[int] | None, find: _Find
    ) -> tuple[list[_Found], list[_Found]]:
        """Boundary- and case-valid candidates: (ungated, gated)."""
        plain: list[_Found] = []
        gated: list[_Found] = []
        size = len(folded)
        patterns = self._patterns
        for number, start, end in find(folded):
            for p in patterns[number]:
                if p[_LEFT] and start and (c := folded[start - 1]).isalnum() and c < _CJK:
                    continue
                if p[_RIGHT] and end < size and (c := folded[end]).isalnum() and c < _CJK:
                    continue
                if (
                    p[_CASED]
                    and (index is not None or text[start:end] != p[_ALIAS])
                    and not case_ok(text, index, start, end, p[_ALIAS])
                ):
                    continue
                (gated if p[_REQUIRES] else plain).append((start, start - end, p))
        return plain, gated


def _opener(requires: frozenset[str], plain: list[_Found]) -> str | None:
    """The first ungated candidate that is (or is part of, or is of a kind) required."""
    for found in plain:
        if not requires.isdisjoint(found[2][_TAGS]):
            return found[2][_ENTITY]
    return None


def _start(found: _Found) -> int:
    return found[0]


def _may_hide(span: str) -> bool:
    """Whether another spelling could start or end inside this rejected span."""
    return not span.isalnum() or max(span) >= _CJK


_CJK = "\u2e80"  # from here on (CJK, kana, Hangul) no word boundary is needed

# Pattern tuples in the automaton (tuples index faster than attributes in the hot loop).
_LEFT, _RIGHT, _CASED, _REQUIRES, _ENTITY, _KIND, _ALIAS, _RULE, _TAGS = range(9)
_PatternTuple = tuple[bool, bool, bool, frozenset[str], str, str, str, str, tuple[str, ...]]
# (folded start, -(folded length), pattern): sorts by start, longest first
_Found = tuple[int, int, _PatternTuple]
_Find = Callable[[str], list[tuple[int, int, int]]]


def _as_tuple(pattern: Pattern, ancestors: tuple[str, ...]) -> _PatternTuple:
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


def _longest(found: list[_Found]) -> list[_Found]:
    """Non-overlapping candidates: where spellings overlap, the longest wins.

    One sweep over candidates sorted by start, longest first: a span inside the last
    kept one is dropped ("hynix" in "SK hynix"); a span that runs past it replaces it
    only when longer. On equal spans an ungated pattern sorts (and wins) first.
    """
    found.sort()
    kept: list[_Found] = []
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


_RECLASS = _reclass_works()


def _make_matches(
    kept: list[_Found], text: str, index: list[int] | None, split: int
) -> list[EntityMatch]:
    """EntityMatch values with offsets into the original title or summary."""
    if not _RECLASS:
        return [
            EntityMatch(p[_ENTITY], p[_KIND], field, start, end, text[a:b], p[_RULE])
            for field, start, end, a, b, p in _spans(kept, index, split)
        ]
    new = object.__new__
    matches = []
    for start, negative_length, p in kept:
        end = start - negative_length
        if index is not None:
            start, end = index[start], index[end - 1] + 1
        match = new(_Draft)
        match.entity = p[_ENTITY]
        match.kind = p[_KIND]
        match.text = text[start:end]
        match.rule = p[_RULE]
        if start < split:
            match.field, match.start, match.end = "title", start, end
        else:
            match.field, match.start, match.end = "summary", start - split - 1, end - split - 1
        match.__class__ = EntityMatch
        matches.append(match)
    return matches  # type: ignore[return-value]


def _spans(kept: list[_Found], index: list[int] | None, split: int):  # type: ignore[no-untyped-def]
    """(field, start, end, start in text, end in text, pattern) for each kept candidate."""
    for start, negative_length, p in kept:
        a, b = start, start - negative_length
        if index is not None:
            a, b = index[a], index[b - 1] + 1
        if a < split:
            yield "title", a, b, a, b, p
        else:
            yield "summary", a - split - 1, b - split - 1, a, b, p


# --------------------------------------------------------------------------- building


def builtin_entities() -> dict[str, Entity]:
    """The built-in dictionary as entities (validated once; a fresh dict each call)."""
    return dict(_builtin_entities())


@lru_cache(maxsize=1)
def _builtin_entities() -> dict[str, Entity]:
    entities = entities_from_tables(builtin_tables(), "entities.toml")
    check_references(entities, "entities.toml")
    return entities


def build_tagger(config: Config | None = None) -> Tagger:
    """The tagger for the built-in dictionary plus ``config``'s ``[entities.NAME]`` tables.

    Compiled once per distinct set of user tables and shared (a Tagger is read-only).
    Raises ConfigError (exit 2) naming the file and key when a user table is
    inconsistent.
    """
    additions = tuple(config.entities) if config else ()
    if additions:
        label = str(config.path) if config and config.path else "config"
        apply_user_entities(builtin_entities(), additions, label)  # validate, name the file
    return _build_cached(additions)


@lru_cache(maxsize=8)
def _build_cached(additions: tuple[EntityConfig, ...]) -> Tagger:
    entities = builtin_entities()
    if additions:
        entities = apply_user_entities(entities, additions, "config")
    return Tagger(entities)
