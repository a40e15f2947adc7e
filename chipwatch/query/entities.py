"""What ``@Entity`` needs from the tagger's dictionary: children and suggestions.

A child's mention counts for its ancestors: ``@"export controls"`` matches an article
that only names an export ban, ``@Huawei`` one that only names the Ascend 950PR. The
dictionary's descendants are listed when the query is parsed; models created on the
fly (there is no end to them) are recognised by their ancestors when an article is
matched in memory, and in SQL through the parents of the store's ``entities`` rows
(:mod:`chipwatch.store.search`: the query room runs no SQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chipwatch.query.text import fold

SUGGEST_CUTOFF = 65  # rapidfuzz ratio (0-100): "Nvidai" → NVIDIA, not unrelated names


def all_entities(tagger: Any) -> list[Any]:
    """Every entity the tagger knows (``Tagger.entities``, a mapping or a sequence)."""
    for attribute in ("entities", "all_entities"):
        value = getattr(tagger, attribute, None)
        if callable(value):
            value = value()
        if isinstance(value, Mapping):
            return list(value.values())
        if value is not None:
            return list(value)
    return []


def descendants(tagger: Any, name: str) -> set[str]:
    """Names of the entities below ``name`` through ``parent`` links, at any depth."""
    method = getattr(tagger, "descendants", None)
    if callable(method):
        return set(method(name)) - {name}
    children: dict[str, list[str]] = {}
    for entity in all_entities(tagger):
        if getattr(entity, "parent", None):
            children.setdefault(fold(entity.parent), []).append(entity.name)
    found: set[str] = set()
    pending = [name]
    while pending:
        for child in children.get(fold(pending.pop()), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


class EntityNames(frozenset[str]):
    """The names an ``@Entity`` term matches: the entity and its dictionary descendants,
    plus any name whose ancestors (``Tagger.ancestors``) include one of them."""

    ancestors: Callable[[str], Iterable[str]] | None

    def __new__(
        cls, names: Iterable[str], ancestors: Callable[[str], Iterable[str]] | None = None
    ) -> EntityNames:
        found = super().__new__(cls, names)
        found.ancestors = ancestors
        return found

    def isdisjoint(self, other: Iterable[str]) -> bool:  # type: ignore[override]
        other = list(other)
        if not super().isdisjoint(other):
            return False
        if self.ancestors is None:
            return True
        return all(super(EntityNames, self).isdisjoint(self.ancestors(n)) for n in other)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled without the tagger's method
        return (EntityNames, (frozenset(self),))


def entity_names(tagger: Any, name: str) -> EntityNames:
    """``name`` and every entity below it, for matching an ``@Entity`` term."""
    ancestors = getattr(tagger, "ancestors", None)
    return EntityNames(
        {name, *descendants(tagger, name)}, ancestors if callable(ancestors) else None
    )


def suggest(tagger: Any, name: str, *, limit: int = 3) -> str:
    """Up to ``limit`` known entity names close to ``name``, as ``@A, @B or @C``."""
    from rapidfuzz import fuzz, process

    choices: dict[str, str] = {}
    for entity in all_entities(tagger):
        choices.setdefault(fold(entity.name), entity.name)
        for alias in getattr(entity, "aliases", ()):
            text = getattr(alias, "text", alias)
            choices.setdefault(fold(text), entity.name)
    found = process.extract(
        fold(name), list(choices), scorer=fuzz.ratio, limit=limit * 3, score_cutoff=SUGGEST_CUTOFF
    )
    names: list[str] = []
    for key, _score, _index in found:
        if choices[key] not in names:
            names.append(choices[key])
    shown = [entity_term(n) for n in names[:limit]]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def entity_term(name: str) -> str:
    """``@H20``, ``@"export controls"``: the query term that names an entity."""
    return f"@{name}" if name.replace("-", "").replace(".", "").isalnum() else f'@"{name}"'
