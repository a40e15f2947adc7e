"""Entity tagging: one Aho–Corasick automaton per dictionary, compiled once.

``build_tagger(config)`` gives a :class:`Tagger` (cached per distinct set of the user's
``[entities.NAME]`` tables). ``Tagger.tag(title, summary)`` returns
:class:`~chipwatch.model.EntityMatch` values whose ``start``/``end`` index the ORIGINAL
field text, even when NFKC or case folding changed its length.

How a match is decided:

1. the field is folded (NFKC + lower case); when folding changes lengths an index map
   from folded to original offsets is built, otherwise offsets are shared;
2. the automaton reports every dictionary spelling, phrase-grammar word and model
   trigger found in the folded text, in one pass;
3. a spelling that starts (ends) with a Latin letter or digit needs a word boundary
   there; CJK, kana and Hangul need none (Korean particles attach to names);
4. case-sensitive aliases ("Arm", "BIS", "US") must appear as written, or in capitals;
5. at a model trigger, the family's pattern reads the whole model ("Ascend 950PR",
   "DeepSeek-V3.1") and tags it, created on the fly below its family
   (:mod:`~chipwatch.entities.models`);
6. overlapping candidates: the longest wins, so "RTX Pro 6000D" beats "RTX Pro 6000";
   a boundary keeps "H20" out of "H200" and "Intel" out of "intelligence";
7. phrase rules over the words found tag policy terms said in other words ("restricted
   exports of" is export controls; :mod:`~chipwatch.entities.phrases`);
8. gated aliases ("H2O" for the H20) count only when an entity or kind they require
   (or a part of it: the H20 opens a gate that requires NVIDIA) was tagged elsewhere
   in the same article without a gate; where two gated entities share a spelling,
   the one whose opener comes first in the article wins.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chipwatch import __version__
from chipwatch.builtcache import BASE_SOURCES, build_key, cached
from chipwatch.entities.automaton import BACKEND, Automaton
from chipwatch.entities.data import (
    apply_user_entities,
    builtin_model_specs,
    builtin_tables,
    check_references,
    entities_from_tables,
    fold_key,
    spelling_variants,
    strip_latin_accents,
)
from chipwatch.entities.lookup import EntityTable, ModelIndex
from chipwatch.entities.match import (
    PatternTuple,
    make_matches,
)
from chipwatch.entities.models import ModelSpec
from chipwatch.entities.phrases import Grammar, builtin_grammar
from chipwatch.entities.scan import _ALIAS_TRIGGER, Scan, _code
from chipwatch.entities.tables import Tables, build_tables
from chipwatch.matchfold import fold_with_map
from chipwatch.model import Entity, EntityMatch

if TYPE_CHECKING:
    from chipwatch.config import Config, EntityConfig

# What _compile sets (the scanning tables); _empty last, so its presence means built.
_TABLES = frozenset(
    [
        "_keys",
        "_patterns",
        "_words",
        "_triggers",
        "_word_masks",
        "_extends",
        "_overlappable",
        "_shadowed",
        "_special",
        "_fast_patterns",
        "_fast_overlappable",
        "_risky",
        "_automaton",
        "_empty",
    ]
)
_BUILDING = threading.Lock()
# What the tables derive from, besides the user's entity tables: these files (the data
# and every module the tagger imports, tests/test_builtcache.py checks) and the version.
# Their bytes key the tables kept on disk (chipwatch.builtcache).
BUILT_FROM = ("entities", *BASE_SOURCES)


class Tagger(Scan):
    """A compiled entity dictionary: tags text and resolves names.

    ``backend`` picks the matcher ("ahocorasick_rs" or "pyahocorasick"); results are
    the same, only the speed differs. ``models`` (product families' model patterns) and
    ``grammar`` (policy phrase rules) default to the built-in ones whose families and
    entities are in ``entities``.
    """

    def __init__(
        self,
        entities: Mapping[str, Entity],
        *,
        backend: str = BACKEND,
        models: tuple[ModelSpec, ...] | None = None,
        grammar: Grammar | None = None,
        kept_as: str | None = None,
    ) -> None:
        """``kept_as``: the key (:func:`_kept_key`) of built-in data plus user entity
        tables that ``entities`` and the defaults are built from: the name index and the
        scanning tables are then kept on disk under it (:mod:`chipwatch.builtcache`)."""
        dictionary = {name: entities[name] for name in entities}
        self._children: dict[str, set[str]] = defaultdict(set)
        for entity in dictionary.values():
            if entity.parent:
                self._children[entity.parent].add(entity.name)
        self._names = _name_index(dictionary, kept_as)
        specs = builtin_model_specs() if models is None else models
        self._models = ModelIndex(
            [s for s in specs if s.family in dictionary], dictionary, self._known
        )
        self.entities: Mapping[str, Entity] = EntityTable(dictionary, self._models.entity)
        grammar = builtin_grammar() if grammar is None else grammar
        self._grammar = grammar.for_entities(dictionary)
        self._dictionary = dictionary
        self._backend = backend
        # The scanning tables and the automaton are built on first use (see
        # __getattr__): the store writer's tagger resolves names and reads the entity
        # table, and tags nothing when the parse workers prepared the articles; the
        # tables are ~0.15 s of CPU to build (~10 ms to read when kept: _tables).
        self._phrase_patterns: dict[str, PatternTuple] = {}
        self._kept_as = kept_as

    def __getattr__(self, name: str) -> Any:
        """A scanning table (``_keys``, ``_patterns``, ``_automaton``...) read before
        the tables were built: build them, then read it."""
        if name not in _TABLES or "_dictionary" not in self.__dict__:
            raise AttributeError(name)
        self._build_tables()
        return self.__dict__[name]

    def _build_tables(self) -> None:
        with _BUILDING:  # a tagger is shared by threads: built once, whole
            if "_empty" not in self.__dict__:
                self._compile(self._dictionary)

    def drop_tables(self) -> None:
        """Forget the scanning tables (built again on the next tag): see
        :func:`chipwatch.pipeline.prepare.cool`."""
        with _BUILDING:
            for name in _TABLES:
                self.__dict__.pop(name, None)

    def _compile(self, dictionary: dict[str, Entity]) -> None:
        tables = self._tables(dictionary)
        self._keys = tables.keys
        self._patterns = tables.patterns
        self._words = tables.words
        self._triggers = tables.models
        self._word_masks = tables.word_masks
        self._extends = tables.extends
        self._overlappable = tables.overlappable
        self._shadowed = tables.shadowed
        # Per key: 0 an alias only (the common case), _WORD a class word only,
        # _ALIAS_TRIGGER an alias that is also a model trigger, _OTHER any other mix.
        self._special = [
            _code(bool(p), w is not None, t is not None)
            for p, w, t in zip(self._patterns, self._words, self._triggers, strict=True)
        ]
        # The fast path's tables: a key that is more than an alias has no patterns
        # there, but for an alias that is also a trigger, which carries (-1, extends)
        # first among its overlappables (see Scan._leftmost_longest).
        self._fast_patterns = [
            p if code in (0, _ALIAS_TRIGGER) else ()
            for p, code in zip(self._patterns, self._special, strict=True)
        ]
        self._fast_overlappable = [
            ((-1, ext), *ov) if code == _ALIAS_TRIGGER else ov
            for ov, ext, code in zip(self._overlappable, self._extends, self._special, strict=True)
        ]
        self._risky = [
            sh or bool(ov) for sh, ov in zip(self._shadowed, self._overlappable, strict=True)
        ]
        self._automaton = Automaton(self._keys, backend=self._backend)
        self._empty = not self._keys

    def _tables(self, dictionary: dict[str, Entity]) -> Tables:
        """The tables, built or, for the built-in data (``kept_as``), kept on disk."""

        def build() -> tuple[list[Any], ...]:
            ancestors = {name: self._ancestors(name) for name in dictionary}
            built = build_tables(dictionary, ancestors, self._grammar, self._models.matchers)
            return tuple(getattr(built, name) for name in _TABLE_FIELDS)

        if self._kept_as is None:
            return Tables(*build())
        return Tables(*cached("tagger", self._kept_as, build, _whole))

    # ------------------------------------------------------------------ lookups

    def resolve(self, name: str) -> Entity | None:
        """The entity called ``name`` (canonical or any alias; case/width/accent-insensitive),
        or a model of a product family written that way ("ascend 950pr").

        When an alias is shared, an entity whose canonical name it is wins, then the
        first entity in dictionary order.
        """
        key = fold_key(name.strip().removeprefix("@").strip('"'))
        known = self._known(key)
        if known is not None:
            return known
        return self._models.parse(key)

    def _known(self, key: str) -> Entity | None:
        """The dictionary entity spelled ``key`` (already folded with ``fold_key``)."""
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

    def ancestors(self, name: str) -> tuple[str, ...]:
        """Every entity above ``name`` through ``parent`` links, nearest first; works for
        models created on the fly ("Ascend 950PR" → "Ascend 950" → "Ascend" → "Huawei")."""
        return self._ancestors(name)

    def descendants(self, name: str) -> set[str]:
        """``name`` and every dictionary entity below it through ``parent`` links.

        ``name`` may be any alias; an unknown name gives just itself. Models created on
        the fly are not listed (there is no end to them): see :meth:`ancestors`.
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
            found = self._exhaustive(text, folded, index)
        return make_matches(found, text, index, split)


# --------------------------------------------------------------------------- building


def _name_index(dictionary: Mapping[str, Entity], kept_as: str | None) -> dict[str, list[str]]:
    """Folded spelling -> the names of the entities spelled so, in dictionary order."""

    def build() -> dict[str, list[str]]:
        names: dict[str, list[str]] = defaultdict(list)
        for entity in dictionary.values():
            keys = {fold_key(entity.name)}
            for alias in entity.aliases:
                keys |= {fold_key(v) for v in spelling_variants(alias.text, part_number=True)}
            for folded in keys:
                if entity.name not in names[folded]:
                    names[folded].append(entity.name)
        return dict(names)

    if kept_as is None:
        return build()
    return cached("tagger-names", kept_as, build, lambda names: type(names) is dict)


_TABLE_FIELDS = tuple(Tables.__dataclass_fields__)


def _whole(values: tuple[list[Any], ...]) -> bool:
    """Kept tables of the expected shape: a list per field, as long as the keys."""
    size = len(values[0])
    return len(values) == len(_TABLE_FIELDS) and all(
        type(v) is list and len(v) == size for v in values
    )


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
    return Tagger(entities, kept_as=_kept_key(additions))


def _kept_key(additions: tuple[EntityConfig, ...]) -> str | None:
    """The key of the built-in tagger with these user tables (:data:`BUILT_FROM`);
    None when the package's files cannot be read (nothing is kept then)."""
    return build_key([__version__, repr(additions)], BUILT_FROM)
