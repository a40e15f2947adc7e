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
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import ahocorasick

from chipwatch.feeds.entity_data import (
    Pattern,
    apply_user_entities,
    builtin_tables,
    check_references,
    entities_from_tables,
    fold,
    fold_key,
    is_word_char,
    patterns_for,
    spelling_variants,
    strip_latin_accents,
)
from chipwatch.model import Entity, EntityMatch

if TYPE_CHECKING:
    from chipwatch.config import Config, EntityConfig

FIELDS = ("title", "summary")
_Candidate = tuple[int, int, Pattern]  # folded start, folded end, pattern


class Tagger:
    """A compiled entity dictionary: tags text and resolves names."""

    def __init__(self, entities: Mapping[str, Entity]) -> None:
        self.entities: Mapping[str, Entity] = dict(entities)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
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
        for key, patterns in keyed.items():
            self._automaton.add_word(key, tuple(patterns))
        if keyed:
            self._automaton.make_automaton()
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
        fields = [
            (name, text, *_fold_with_map(text))
            for name, text in zip(FIELDS, (title, summary), strict=True)
            if text
        ]
        found = [
            (name, text, index, self._candidates(text, folded, index))
            for name, text, folded, index in fields
        ]
        context = _context(c for *_, candidates in found for c in candidates if not c[2].requires)
        matches: list[EntityMatch] = []
        for name, text, index, candidates in found:
            allowed = [c for c in candidates if _gate_open(c[2], context)]
            for start, end, pattern in _longest_first(allowed):
                matches.append(_to_match(name, text, index, start, end, pattern, context))
        matches.sort(key=lambda m: (FIELDS.index(m.field), m.start, -m.end))
        return matches

    def _candidates(self, text: str, folded: str, index: list[int] | None) -> list[_Candidate]:
        found: list[_Candidate] = []
        size = len(folded)
        for last, patterns in self._automaton.iter(folded):
            for pattern in patterns:
                start = last - pattern.length + 1
                end = last + 1
                if pattern.left_boundary and start > 0 and is_word_char(folded[start - 1]):
                    continue
                if pattern.right_boundary and end < size and is_word_char(folded[end]):
                    continue
                if pattern.case_sensitive and not _case_ok(text, index, start, end, pattern):
                    continue
                found.append((start, end, pattern))
        return found


def _fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when lengths changed, each folded char's original offset."""
    if unicodedata.is_normalized("NFKC", text):
        lowered = text.lower()
        if len(lowered) == len(text):
            return lowered, None
    pieces: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        piece = _fold_char(char)
        pieces.append(piece)
        index.extend([offset] * len(piece))
    index.append(len(text))
    return "".join(pieces), index


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character folded; lone combining marks vanish (``e`` + acute → ``e``)."""
    if unicodedata.combining(char):
        return ""
    return fold(char)


def _original_span(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1


def _case_ok(text: str, index: list[int] | None, start: int, end: int, pattern: Pattern) -> bool:
    a, b = _original_span(index, start, end)
    written = unicodedata.normalize("NFKC", text[a:b])
    alias = pattern.alias
    if written in (alias, alias.upper()):
        return True
    return strip_latin_accents(written) in (
        strip_latin_accents(alias),
        strip_latin_accents(alias.upper()),
    )


def _context(candidates: Iterable[_Candidate]) -> set[str]:
    context: set[str] = set()
    for _, _, pattern in candidates:
        context.add(pattern.entity)
        context.add(pattern.kind)
    return context


def _gate_open(pattern: Pattern, context: set[str]) -> bool:
    return not pattern.requires or any(need in context for need in pattern.requires)


def _longest_first(candidates: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping candidates, longest first, then leftmost; ties keep one entity."""
    chosen: list[_Candidate] = []
    taken: list[tuple[int, int]] = []
    ordered = sorted(candidates, key=lambda c: (c[0] - c[1], c[0], bool(c[2].requires)))
    for start, end, pattern in ordered:
        if any(start < b and a < end for a, b in taken):
            continue
        chosen.append((start, end, pattern))
        taken.append((start, end))
    return chosen


def _to_match(
    field: str,
    text: str,
    index: list[int] | None,
    start: int,
    end: int,
    pattern: Pattern,
    context: set[str],
) -> EntityMatch:
    a, b = _original_span(index, start, end)
    return EntityMatch(
        entity=pattern.entity,
        kind=pattern.kind,
        field=field,
        start=a,
        end=b,
        text=text[a:b],
        rule=_rule(pattern, context),
    )


def _rule(pattern: Pattern, context: set[str]) -> str:
    label = "cased alias" if pattern.case_sensitive else "alias"
    rule = f'{label} "{pattern.alias}"'
    if pattern.requires:
        present = [need for need in pattern.requires if need in context]
        rule += f" (requires {' or '.join(pattern.requires)}; found {', '.join(present)})"
    return rule


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
