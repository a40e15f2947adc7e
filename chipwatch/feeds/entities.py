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
6. gated aliases ("H2O" for the H20) count only when an entity or kind they require was
   tagged elsewhere in the same article without a gate.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import ahocorasick

from chipwatch.feeds.entity_data import (
    Pattern,
    apply_user_entities,
    builtin_tables,
    check_references,
    entities_from_tables,
    fold,
    fold_key,
    patterns_for,
    spelling_variants,
    strip_latin_accents,
)
from chipwatch.model import Entity, EntityMatch

if TYPE_CHECKING:
    from chipwatch.config import Config, EntityConfig

FIELDS = ("title", "summary")


class Tagger:
    """A compiled entity dictionary: tags text and resolves names."""

    def __init__(self, entities: Mapping[str, Entity]) -> None:
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
        # Three automata: a smaller trie scans faster, and most text never needs the
        # CJK spellings (nor ASCII text the accented ones). Each text uses the smallest
        # automaton that holds every spelling it could contain.
        values = {key: tuple(_as_tuple(p) for p in patterns) for key, patterns in keyed.items()}
        self._ascii = _automaton({k: v for k, v in values.items() if k.isascii()})
        self._latin = _automaton({k: v for k, v in values.items() if max(k) < _CJK})
        self._full = _automaton(values)
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
        key = fold_key(name.strip().strip('"'))
        candidates = self._names.get(key) or self._names.get(strip_latin_accents(key))
        if not candidates:
            return None
        for candidate in candidates:
            if fold_key(candidate) == key:
                return self.entities[candidate]
        return self.entities[candidates[0]]

    def descendants(self, name: str) -> set[str]:
        """``name`` and every entity below it through ``parent`` links."""
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
        if self._empty:
            return []
        plain: list[_Found] = []
        gated: list[_Found] = []
        if title:
            self._scan(0, title, plain, gated)
        if summary:
            self._scan(1, summary, plain, gated)
        context: set[str] = set()
        if gated:
            for found in plain:
                context.add(found[3][_ENTITY])
                context.add(found[3][_KIND])
            plain += [f for f in gated if not context.isdisjoint(f[3][_REQUIRES])]
        return _select(plain, context)

    def _scan(self, field: int, text: str, plain: list[_Found], gated: list[_Found]) -> None:
        """Append every boundary- and case-valid candidate in one field."""
        folded, index = _fold_with_map(text)
        if folded.isascii():
            automaton = self._ascii
        elif max(folded) < _CJK:
            automaton = self._latin
        else:
            automaton = self._full
        size = len(folded)
        for last, patterns in automaton.iter(folded):
            end = last + 1
            for p in patterns:
                start = end - p[_LENGTH]
                if p[_LEFT] and start and (c := folded[start - 1]).isalnum() and c < _CJK:
                    continue
                if p[_RIGHT] and end < size and (c := folded[end]).isalnum() and c < _CJK:
                    continue
                if p[_CASED] and not _case_ok(text, index, start, end, p[_ALIAS]):
                    continue
                # Sort key first: field, start, longest first; then the payload.
                found = (field, start, start - end, p, text, index)
                (gated if p[_REQUIRES] else plain).append(found)


_CJK = "\u2e80"  # from here on (CJK, kana, Hangul) no word boundary is needed

# Pattern tuples in the automaton (tuples index faster than attributes in the hot loop).
_LENGTH, _LEFT, _RIGHT, _CASED, _REQUIRES, _ENTITY, _KIND, _ALIAS, _RULE = range(9)
_PatternTuple = tuple[int, bool, bool, bool, frozenset[str], str, str, str, str]
# (field number, folded start, -(folded length), pattern, original text, index map)
_Found = tuple[int, int, int, _PatternTuple, str, "list[int] | None"]


def _automaton(values: Mapping[str, _PatternTuple | tuple[_PatternTuple, ...]]) -> Any:
    automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
    for key, value in values.items():
        automaton.add_word(key, value)
    if values:
        automaton.make_automaton()
    return automaton


def _as_tuple(pattern: Pattern) -> _PatternTuple:
    label = "cased alias" if pattern.case_sensitive else "alias"
    rule = f'{label} "{pattern.alias}"'
    if pattern.requires:
        rule += f" (requires {' or '.join(pattern.requires)}"
    return (
        pattern.length,
        pattern.left_boundary,
        pattern.right_boundary,
        pattern.case_sensitive,
        frozenset(pattern.requires),
        pattern.entity,
        pattern.kind,
        pattern.alias,
        rule,
    )


def _select(found: list[_Found], context: set[str]) -> list[EntityMatch]:
    """Resolve overlaps per field (longest wins) and build the matches in order.

    Sorted candidates are cut into runs of overlapping spans; a run of one is kept as
    is, a longer run is resolved longest-first (most runs are single spans).
    """
    found.sort()
    kept: list[_Found] = []
    run: list[_Found] = []
    run_field, run_end = -1, -1
    for item in found:
        if item[0] == run_field and item[1] < run_end:
            run.append(item)
            run_end = max(run_end, item[1] - item[2])
            continue
        kept.extend(run if len(run) == 1 else _longest_first(run))
        run, run_field, run_end = [item], item[0], item[1] - item[2]
    kept.extend(run if len(run) == 1 else _longest_first(run))
    return [_make_match(f, context) for f in kept]


def _longest_first(run: list[_Found]) -> list[_Found]:
    """Non-overlapping spans of one field: longest first, then leftmost, ungated first."""
    chosen: list[_Found] = []
    for item in sorted(run, key=lambda f: (f[2], f[1], bool(f[3][_REQUIRES]))):
        start, end = item[1], item[1] - item[2]
        if not any(start < c[1] - c[2] and c[1] < end for c in chosen):
            chosen.append(item)
    chosen.sort()
    return chosen


_SET = tuple(getattr(EntityMatch, name).__set__ for name in EntityMatch.__slots__)
_SET_ENTITY, _SET_KIND, _SET_FIELD, _SET_START, _SET_END, _SET_TEXT, _SET_RULE = _SET
_new = object.__new__


def _make_match(found: _Found, context: set[str]) -> EntityMatch:
    """An EntityMatch without the frozen-dataclass __init__ (half of tagging's time)."""
    field, start, negative_length, p, text, index = found
    end = start - negative_length
    if index is not None:
        start, end = index[start], index[end - 1] + 1
    rule = p[_RULE]
    if p[_REQUIRES]:
        rule += f"; found {', '.join(sorted(p[_REQUIRES] & context))})"
    match = _new(EntityMatch)
    _SET_ENTITY(match, p[_ENTITY])
    _SET_KIND(match, p[_KIND])
    _SET_FIELD(match, FIELDS[field])
    _SET_START(match, start)
    _SET_END(match, end)
    _SET_TEXT(match, text[start:end])
    _SET_RULE(match, rule)
    return match


def _fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when folding changed lengths, each folded char's original offset.

    Three speeds: NFKC text whose lower case keeps its length (most Latin text) is
    lowered in C; text whose characters each fold to one character (full-width forms,
    CJK punctuation, no-break spaces) goes through one ``str.translate``; only text with
    ligatures or combining marks pays for a per-character loop and an index map.
    """
    if unicodedata.is_normalized("NFKC", text):
        lowered = text.lower()
        if len(lowered) == len(text):
            return lowered, None
    folded = text.translate(_ONE_TO_ONE)
    if _IRREGULAR not in folded:
        return folded, None
    pieces: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        piece = _fold_char(char)
        pieces.append(piece)
        index.extend([offset] * len(piece))
    index.append(len(text))
    return "".join(pieces), index


_IRREGULAR = "\x00"


class _OneToOne(dict[int, str]):
    """``str.translate`` table: a character's fold when it is one character, else a marker.

    Filled lazily: each distinct character is folded once per process.
    """

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        value = folded if len(folded) == 1 and code else _IRREGULAR
        self[code] = value
        return value


_ONE_TO_ONE = _OneToOne()


def _fold_char(char: str) -> str:
    """One character folded; lone combining marks vanish (``e`` + acute → ``e``)."""
    if unicodedata.combining(char):
        return ""
    return fold(char)


def _original_span(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1


def _case_ok(text: str, index: list[int] | None, start: int, end: int, alias: str) -> bool:
    """A case-sensitive alias must be written as in the dictionary, or in capitals."""
    a, b = _original_span(index, start, end)
    written = unicodedata.normalize("NFKC", text[a:b])
    if written in (alias, alias.upper()):
        return True
    return strip_latin_accents(written) in (
        strip_latin_accents(alias),
        strip_latin_accents(alias.upper()),
    )


# --------------------------------------------------------------------------- building


def builtin_entities() -> dict[str, Entity]:
    """The built-in dictionary as entities (validated)."""
    entities = entities_from_tables(builtin_tables(), "entities.toml")
    check_references(entities, "entities.toml")
    return entities


def build_tagger(config: Config | None = None) -> Tagger:
    """The tagger for the built-in dictionary plus ``config``'s ``[entities.NAME]`` tables.

    Compiled once per distinct set of user tables and shared (a Tagger is read-only).
    Raises ConfigError (exit 2) naming the key when a user table is inconsistent.
    """
    additions = tuple(config.entities) if config else ()
    label = str(config.path) if config and config.path else "config"
    return _build_cached(additions, label)


@lru_cache(maxsize=8)
def _build_cached(additions: tuple[EntityConfig, ...], label: str) -> Tagger:
    entities = builtin_entities()
    if additions:
        entities = apply_user_entities(entities, additions, label)
    return Tagger(entities)
