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
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chipwatch.entities.automaton import BACKEND, Automaton
from chipwatch.entities.data import (
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
from chipwatch.entities.fold import case_ok, fold_with_map
from chipwatch.entities.match import (
    ALIAS,
    CASED,
    CJK,
    ENTITY,
    LEFT,
    REQUIRES,
    RIGHT,
    RULE,
    TAGS,
    Find,
    Found,
    as_tuple,
    longest,
    make_matches,
)
from chipwatch.model import Entity, EntityMatch

if TYPE_CHECKING:
    from chipwatch.config import Config, EntityConfig


def _overlappable(
    keys: list[str], patterns: list[tuple[Any, ...]]
) -> list[tuple[tuple[int, tuple[str, ...]], ...]]:
    """Per key, the LONGER keys that could start inside a hit of it and run past its end,
    as (offset in the hit, the keys: one tuple for one ``str.startswith``); too many to
    check become ``(0, ("",))``, which always matches (the exhaustive path decides).

    ("export licences" then "licences d'exportation"): leftmost-longest scanning keeps
    the first, where :func:`~chipwatch.feeds.entity_match.longest` keeps the longer one,
    so the fast path checks these before it keeps a hit. Inside a word, only keys with a
    spelling that needs no word boundary on its left can start.
    """
    anywhere: dict[str, list[str]] = defaultdict(list)  # prefix -> keys with it
    mid_word: dict[str, list[str]] = defaultdict(list)  # ... that may start inside a word
    for key, spellings in zip(keys, patterns, strict=True):
        unbounded = any(not p[LEFT] for p in spellings)
        for end in range(1, len(key) + 1):
            anywhere[key[:end]].append(key)
            if unbounded:
                mid_word[key[:end]].append(key)
    found: list[tuple[tuple[int, tuple[str, ...]], ...]] = []
    for key in keys:
        risks = []
        for cut in range(1, len(key)):
            table = mid_word if _inside_word(key, cut) else anywhere
            longer = tuple(b for b in table.get(key[cut:], ()) if len(b) > len(key))
            if longer:
                risks.append((cut, longer))
        too_many = sum(len(longer) for _, longer in risks) > _MAX_OVERLAP_CHECKS
        found.append(((0, ("",)),) if too_many else tuple(risks))
    return found


_MAX_OVERLAP_CHECKS = 12


def _inside_word(key: str, cut: int) -> bool:
    before, after = key[cut - 1], key[cut]
    return before.isalnum() and after.isalnum() and before < CJK and after < CJK


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
            tuple(as_tuple(p, self._ancestors(p.entity)) for p in keyed[key]) for key in self._keys
        ]
        self._automaton = Automaton(self._keys, backend=backend)
        self._overlappable = _overlappable(self._keys, self._patterns)
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
            found = longest(self._candidates(text, folded, index))
        return make_matches(found, text, index, split)

    def _leftmost_longest(
        self, text: str, folded: str, index: list[int] | None
    ) -> list[Found] | None:
        """The fast path: leftmost-longest hits, already in order and never overlapping.

        Returns None when a rejected hit could hide a valid overlapping spelling (see
        ``_may_hide``) or a longer spelling starts inside a hit (see ``_overlappable``);
        the caller then takes the exhaustive path, which gives the same
        result as this one whenever this one answers.
        """
        kept: list[Found] = []
        gated: list[Found] = []
        size = len(folded)
        patterns, overlappable = self._patterns, self._overlappable
        for number, start, end in self._automaton.find_longest(folded):
            taken = pending = False
            for p in patterns[number]:
                if p[LEFT] and start and (c := folded[start - 1]).isalnum() and c < CJK:
                    continue
                if p[RIGHT] and end < size and (c := folded[end]).isalnum() and c < CJK:
                    continue
                if (
                    p[CASED]
                    and (index is not None or text[start:end] != p[ALIAS])
                    and not case_ok(text, index, start, end, p[ALIAS])
                ):
                    continue
                if p[REQUIRES]:
                    gated.append((start, start - end, p))
                    pending = True
                elif not taken:
                    kept.append((start, start - end, p))
                    taken = True
            if not (taken or pending):
                if _may_hide(folded[start:end]):
                    return None
            else:  # a longer spelling starting inside this hit: the exhaustive scan decides
                for cut, longer in overlappable[number]:
                    if folded.startswith(longer, start + cut):
                        return None
        if gated and not self._open_gates(gated, kept, folded):
            return None
        return kept

    @staticmethod
    def _open_gates(gated: list[Found], kept: list[Found], folded: str) -> bool:
        """Insert the gated candidates whose gate opens; False when the fast path must yield."""
        starts = {item[0] for item in kept}
        ungated = list(kept)
        for start, negative_length, p in gated:
            if start in starts:  # an ungated spelling of the same span already won
                continue
            opened = _opener(p[REQUIRES], ungated)
            if opened is None:
                if _may_hide(folded[start : start - negative_length]):
                    return False
                continue
            rule = f"{p[RULE]}; found {opened})"
            bisect.insort(kept, (start, negative_length, (*p[:RULE], rule, *p[RULE + 1 :])),
                          key=_start)  # fmt: skip
            starts.add(start)
        return True

    def _candidates(self, text: str, folded: str, index: list[int] | None) -> list[Found]:
        """The exhaustive path: every valid candidate, overlapping ones included; gated
        ones join when an ungated candidate opens their gate."""
        plain, gated = self._scan(text, folded, index, self._automaton.find)
        ungated = list(plain)
        for start, negative_length, p in gated:
            opened = _opener(p[REQUIRES], ungated)
            if opened is not None:
                rule = f"{p[RULE]}; found {opened})"
                plain.append((start, negative_length, (*p[:RULE], rule, *p[RULE + 1 :])))
        return plain

    def _scan(
        self, text: str, folded: str, index: list[int] | None, find: Find
    ) -> tuple[list[Found], list[Found]]:
        """Boundary- and case-valid candidates: (ungated, gated)."""
        plain: list[Found] = []
        gated: list[Found] = []
        size = len(folded)
        patterns = self._patterns
        for number, start, end in find(folded):
            for p in patterns[number]:
                if p[LEFT] and start and (c := folded[start - 1]).isalnum() and c < CJK:
                    continue
                if p[RIGHT] and end < size and (c := folded[end]).isalnum() and c < CJK:
                    continue
                if (
                    p[CASED]
                    and (index is not None or text[start:end] != p[ALIAS])
                    and not case_ok(text, index, start, end, p[ALIAS])
                ):
                    continue
                (gated if p[REQUIRES] else plain).append((start, start - end, p))
        return plain, gated


def _opener(requires: frozenset[str], plain: list[Found]) -> str | None:
    """The first ungated candidate that is (or is part of, or is of a kind) required."""
    for found in plain:
        if not requires.isdisjoint(found[2][TAGS]):
            return found[2][ENTITY]
    return None


def _start(found: Found) -> int:
    return found[0]


def _may_hide(span: str) -> bool:
    """Whether another spelling could start or end inside this rejected span."""
    return not span.isalnum() or max(span) >= CJK


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
