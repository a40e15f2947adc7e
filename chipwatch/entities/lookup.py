"""Looking entities up by name, models created on the fly included.

A product family's models are not listed in the dictionary: "Ascend 950PR" exists as
soon as an article (or a query, or a stored tag) names it. :class:`ModelIndex` reads
model names with the families' patterns, and :class:`EntityTable` is the mapping the
rest of chipwatch sees as ``Tagger.entities``: the dictionary's entities when iterated,
and any model's entity when looked up by its canonical name (so the store can record
a model's parent, and parents can be followed up from any tag).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from chipwatch.entities.data import spelling_variants
from chipwatch.entities.fold import _original_span
from chipwatch.entities.match import PatternTuple, gate_text
from chipwatch.entities.models import ModelHit, ModelMatcher, ModelSpec, model_entity
from chipwatch.matchfold import fold
from chipwatch.model import Entity

_CACHE_LIMIT = 50_000  # distinct model names kept (each a few hundred bytes)

Found = tuple[int, int, PatternTuple]


class EntityTable(Mapping[str, Entity]):
    """The dictionary (what iteration and ``len`` see), plus models by canonical name."""

    def __init__(self, entities: dict[str, Entity], models: Callable[[str], Entity | None]):
        self._entities = entities
        self._models = models

    def __getitem__(self, name: str) -> Entity:
        entity = self._entities.get(name)
        if entity is None:
            entity = self._models(name)
            if entity is None:
                raise KeyError(name)
        return entity

    def __iter__(self) -> Iterator[str]:
        return iter(self._entities)

    def __len__(self) -> int:
        return len(self._entities)


class ModelIndex:
    """The families' model matchers, and the entities and patterns of their models."""

    def __init__(
        self,
        specs: list[ModelSpec],
        dictionary: Mapping[str, Entity],
        known: Callable[[str], Entity | None],
    ) -> None:
        self.matchers = [ModelMatcher(spec, fold, _variants) for spec in specs]
        self._dictionary = dictionary
        self._known = known  # a dictionary entity by folded name (an alias counts)
        self._entities: dict[str, Entity | None] = {}
        self._patterns: dict[tuple[int, str, bool], PatternTuple] = {}

    # ------------------------------------------------------------------ lookups

    def entity(self, name: str) -> Entity | None:
        """The model called exactly ``name`` (its canonical spelling), or None."""
        if name in self._entities:
            return self._entities[name]
        found = None
        folded = fold(name)
        for matcher in self.matchers:
            parsed = matcher.parse(folded)
            if parsed and parsed[0] == name:
                found = self._model(matcher, parsed[0], parsed[1])
                break
        if len(self._entities) < _CACHE_LIMIT:
            self._entities[name] = found
        return found

    def parse(self, key: str) -> Entity | None:
        """The model written as ``key`` (folded: any case, spacing as in text), or None."""
        for matcher in self.matchers:
            parsed = matcher.parse(key)
            if parsed:
                return self._known(fold(parsed[0])) or self._model(matcher, *parsed)
        return None

    def _model(self, matcher: ModelMatcher, name: str, base: str | None) -> Entity:
        parent = matcher.spec.family
        if base:
            known = self._known(fold(base))
            parent = known.name if known else base
        return model_entity(matcher.spec, name, parent)

    def _ancestors(self, entity: Entity) -> tuple[str, ...]:
        chain: list[str] = []
        while entity.parent and entity.parent not in chain and entity.parent != entity.name:
            chain.append(entity.parent)
            parent = self._dictionary.get(entity.parent) or self.entity(entity.parent)
            if parent is None:
                break
            entity = parent
        return tuple(chain)

    # ------------------------------------------------------------------ tagging

    def at(
        self,
        number: int,
        text: str,
        folded: str,
        index: list[int] | None,
        start: int,
        alone: bool,
    ) -> list[Found]:
        """The models matcher ``number`` reads at ``start`` (and after it, in a list)."""
        matcher = self.matchers[number]
        hits = matcher.match(folded, start, alone)
        if not hits:
            return []
        if matcher.spec.cased and not _capitalized(text, index, start):
            return []
        return [(h.start, h.start - h.end, self._pattern(number, matcher, h)) for h in hits]

    def _pattern(self, number: int, matcher: ModelMatcher, hit: ModelHit) -> PatternTuple:
        key = (number, hit.name, hit.gated)
        pattern = self._patterns.get(key)
        if pattern is not None:
            return pattern
        spec = matcher.spec
        entity = self._known(fold(hit.name)) or self._model(matcher, hit.name, hit.base)
        requires = spec.requires if hit.gated else ()
        rule = f'model of {spec.family}: "{spec.name}"'
        rule += gate_text(requires)
        tags = (entity.name, entity.kind, *self._ancestors(entity))
        pattern = (True, True, False, frozenset(requires), entity.name, entity.kind, hit.name,
                   rule, tags)  # fmt: skip
        if len(self._patterns) < _CACHE_LIMIT:
            self._patterns[key] = pattern
        return pattern


def _variants(prefix: str) -> set[str]:
    return spelling_variants(prefix, part_number=False)


def _capitalized(text: str, index: list[int] | None, start: int) -> bool:
    """A cased family word starts with a capital ("Mate 60", never "mate 60")."""
    first, _ = _original_span(index, start, start + 1)
    char = text[first]
    return not char.isalpha() or char.isupper() or char >= "\u2e80"
