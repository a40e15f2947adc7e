"""The tagger's tables: every key the automaton looks for, and what each key means.

One automaton finds three kinds of key in a single pass:

- alias spellings (``entities.toml``), each with its patterns (boundaries, case, gate);
- class words of the phrase grammar (``phrases.toml``), with their classes;
- model triggers of product families (a family word or series followed by a digit),
  with the model matchers to run there. A key that merely starts with a trigger
  ("h20" starts with "h2") carries the matchers too, since the automaton reports only
  the longest key at a position.

Tables are lists indexed by key number (``None`` where a key has no such meaning) so
the hot loop pays one list lookup per hit for each kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chipwatch.entities.data import Pattern, is_word_char, patterns_for, spelling_variants
from chipwatch.entities.match import CJK, LEFT, RIGHT, PatternTuple, as_tuple
from chipwatch.entities.models import LIST_STARTS, ModelMatcher
from chipwatch.entities.phrases import Grammar
from chipwatch.model import Entity

_MAX_OVERLAP_CHECKS = 48  # one str.startswith over a tuple: cheap even at 48

# (class number, needs a left boundary, needs a right boundary) of one class word key
WordInfo = tuple[tuple[int, bool, bool], ...]
# (matcher number, written alone) for the model triggers a key starts with
ModelInfo = tuple[tuple[int, bool], ...]


@dataclass
class Tables:
    """Keys and their meanings, index-aligned (see the module docstring)."""

    keys: list[str]
    patterns: list[tuple[PatternTuple, ...]]
    words: list[WordInfo | None]
    models: list[ModelInfo | None]
    word_masks: list[int]  # bit mask of the (anchor) classes a key may be a word of
    extends: list[tuple[str, ...]]  # what, after an alias key, may continue a model
    overlappable: list[tuple[tuple[int, tuple[str, ...]], ...]]
    shadowed: list[bool]


def build_tables(
    entities: Mapping[str, Entity],
    ancestors: Mapping[str, tuple[str, ...]],
    grammar: Grammar,
    matchers: list[ModelMatcher],
) -> Tables:
    """All keys of the dictionary, the grammar's words and the families' triggers."""
    keyed: dict[str, list[Pattern]] = defaultdict(list)
    for entity in entities.values():
        for key, pattern in patterns_for(entity):
            if pattern not in keyed[key]:
                keyed[key].append(pattern)
    words: dict[str, list[tuple[int, bool, bool]]] = defaultdict(list)
    for word, number in grammar.words():
        stem = word.endswith("*")
        for key in spelling_variants(word.rstrip("*"), part_number=False):
            info = (number, is_word_char(key[0]), not stem and is_word_char(key[-1]))
            if info not in words[key]:
                words[key].append(info)
    triggers: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for number, matcher in enumerate(matchers):
        for key, alone in matcher.triggers():
            if (number, alone) not in triggers[key]:
                triggers[key].append((number, alone))
    _stems_under_shaky_aliases(keyed, words)
    keys = list(dict.fromkeys([*keyed, *words, *triggers]))
    patterns = [
        tuple(as_tuple(p, ancestors.get(p.entity, ())) for p in keyed.get(key, ())) for key in keys
    ]
    found = [_starts_with_trigger(key, triggers) for key in keys]
    candidates = {key for key, has in zip(keys, patterns, strict=True) if has} | set(triggers)
    by_key = dict(zip(keys, patterns, strict=True))
    return Tables(
        keys=keys,
        patterns=patterns,
        words=[tuple(words[key]) if key in words else None for key in keys],
        models=found,
        word_masks=[_mask(n for n, _, _ in words.get(key, ())) & grammar.anchors for key in keys],
        extends=[_extends(info, matchers) for info in found],
        overlappable=_overlappable(keys, patterns, candidates),
        shadowed=[
            not patterns[n] and _shadows(key, candidates, by_key) for n, key in enumerate(keys)
        ],
    )


def _stems_under_shaky_aliases(
    keyed: Mapping[str, list[Pattern]], words: dict[str, list[tuple[int, bool, bool]]]
) -> None:
    """A stem ("smuggl*") is also a word where a longer alias key starts with it and
    may not be taken ("smuggling", gated): the automaton reports only the longer key."""
    stems = {key: [i for i in infos if not i[2]] for key, infos in words.items()}
    stems = {key: infos for key, infos in stems.items() if infos}
    for key, found in keyed.items():
        if not all(p.requires or p.case_sensitive for p in found):
            continue
        for end in range(1, len(key)):
            for info in stems.get(key[:end], ()):
                if info not in words[key]:
                    words[key].append(info)


def _mask(numbers: Iterable[int]) -> int:
    mask = 0
    for number in numbers:
        mask |= 1 << number
    return mask


def _extends(info: ModelInfo | None, matchers: list[ModelMatcher]) -> tuple[str, ...]:
    """Besides letters and digits, what may follow a key for a model it starts to read
    on past it: a version's dot, a suffix after a space (" Pro"), a list (", 960")."""
    if info is None:
        return ()
    found: set[str] = set()
    for number, alone in info:
        spec = matchers[number].spec
        if spec.number == "version":
            found.add(".")
        found |= {s.lower() for s in spec.suffixes if not s[:1].isalnum()}
        if spec.lists and not alone:
            found |= set(LIST_STARTS)
    return tuple(sorted(found))


def _starts_with_trigger(
    key: str, triggers: Mapping[str, list[tuple[int, bool]]]
) -> ModelInfo | None:
    found: list[tuple[int, bool]] = []
    for end in range(1, len(key) + 1):
        for item in triggers.get(key[:end], ()):
            if item not in found:
                found.append(item)
    return tuple(found) or None


def _overlappable(
    keys: list[str], patterns: list[tuple[PatternTuple, ...]], candidates: set[str]
) -> list[tuple[tuple[int, tuple[str, ...]], ...]]:
    """Per key, the keys that could start inside a hit of it and run past its end, as
    (offset in the hit, the keys: one tuple for one ``str.startswith``); too many to
    check become ``(0, ("",))``, which always matches (the exhaustive path decides).

    ("export licences" then "licences d'exportation"): leftmost-longest scanning keeps
    the first, where :func:`~chipwatch.entities.match.longest` keeps the longer one,
    so the fast path checks these before it keeps a hit. A key that tags nothing itself
    (a class word, a model trigger) hides any such key; an alias only a longer one.
    Inside a word, only keys with a spelling that needs no word boundary on its left
    can start.
    """
    anywhere: dict[str, list[str]] = defaultdict(list)  # prefix -> candidate keys with it
    mid_word: dict[str, list[str]] = defaultdict(list)  # ... that may start inside a word
    by_key = dict(zip(keys, patterns, strict=True))
    for key in keys:  # in key order, not the set's (which follows the hash seed)
        if key not in candidates:
            continue
        own = by_key.get(key)
        # A model trigger in Latin script needs a word boundary; CJK ones do not.
        unbounded = any(not p[LEFT] for p in own) if own else not is_word_char(key[0])
        for end in range(1, len(key) + 1):
            anywhere[key[:end]].append(key)
            if unbounded:
                mid_word[key[:end]].append(key)
    found: list[tuple[tuple[int, tuple[str, ...]], ...]] = []
    for key, own in zip(keys, patterns, strict=True):
        risks = []
        size = len(key)
        for cut in range(1, size):
            # _inside_word, inline: this loop runs for every suffix of every key
            before, after = key[cut - 1], key[cut]
            inside = before.isalnum() and after.isalnum() and before < CJK and after < CJK
            starting = (mid_word if inside else anywhere).get(key[cut:])
            if starting is None:
                continue
            past = size if own else size - cut  # an alias: longer than it; else past its end
            longer = tuple(b for b in starting if len(b) > past)
            if longer:
                risks.append((cut, longer))
        too_many = sum(len(longer) for _, longer in risks) > _MAX_OVERLAP_CHECKS
        found.append(((0, ("",)),) if too_many else tuple(risks))
    return found


def _shadows(
    key: str, candidates: set[str], by_key: Mapping[str, tuple[PatternTuple, ...]]
) -> bool:
    """Whether a key that tags nothing itself may hide a valid candidate ending inside
    it ("intelligence" hides "intel", but "intel" needs a boundary there: no)."""
    for start in range(len(key)):
        for end in range(start + 1, len(key) + 1):
            other = key[start:end]
            if (
                other != key
                and other in candidates
                and _could_be_valid(key, start, end, by_key.get(other, ()))
            ):
                return True
    return False


def _could_be_valid(key: str, start: int, end: int, own: tuple[PatternTuple, ...]) -> bool:
    if not own:  # a model trigger: its matcher decides, assume it could
        return True
    for p in own:
        if p[LEFT] and start and is_word_char(key[start - 1]):
            continue
        if p[RIGHT] and end < len(key) and is_word_char(key[end]):
            continue
        return True
    return False
