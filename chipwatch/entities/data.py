"""The entity dictionary as data: ``entities.toml`` plus the user's ``[entities.NAME]``.

This module turns the TOML tables into :class:`~chipwatch.model.Entity` values and
expands each alias into the folded spellings the matcher looks for (spacing and
hyphen variants of part numbers, accent-free forms, plurals of part numbers). The
matcher itself lives in :mod:`chipwatch.entities.tagger`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from chipwatch.builtcache import parsed_toml
from chipwatch.config import ConfigError, EntityConfig
from chipwatch.entities.models import ModelSpec, ModelSpecError, specs_from_table
from chipwatch.matchfold import fold
from chipwatch.model import ENTITY_KINDS, Alias, Entity

DICTIONARY_FILE = "entities.toml"
_ENTITY_KEYS = {"kind", "parent", "aliases", "exact", "gated", "gated_exact", "requires", "models"}


class DictionaryError(ConfigError):
    """The dictionary (built-in or user-supplied) is inconsistent."""


# --------------------------------------------------------------------------- folding


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF


def strip_latin_accents(text: str) -> str:
    """Remove accents from Latin letters only (kana voicing marks are letters, not accents)."""
    if text.isascii():
        return text
    return "".join(map(_strip_char, text))


@cache
def _strip_char(char: str) -> str:
    if char.isascii() or not _is_latin(char):
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base or char


def fold_key(text: str) -> str:
    """Fold for lookups by name (``@Entity``): NFKC, case, Latin accents, spaces collapsed."""
    return " ".join(strip_latin_accents(fold(text)).split())


# --------------------------------------------------------------------------- variants

_JOINT = re.compile(r"(?<=[A-Za-z])(?=[0-9])|[ \-]+")


def spelling_variants(alias: str, *, part_number: bool) -> set[str]:
    """Folded spellings of one alias.

    Always: the folded alias, its accent-free form, ``ss`` for ``ß`` and a typographic
    apostrophe for a straight one. For part
    numbers (``MI308``, ``RTX Pro 6000D``): a letter→digit joint may be written with
    nothing, a space or a hyphen (``MI 308``, ``MI-308``), a space between words may be
    a hyphen, and a trailing ``s`` plural is accepted (``H20s``). A single-letter prefix
    keeps its joint closed (``H-20`` is a bomber, not the H20).
    """
    base = fold(alias)
    forms = {base}
    if part_number and re.search(r"[0-9]", alias):
        forms |= _joint_variants(base)
        forms |= {f + "s" for f in forms if f[-1].isdigit()}
    forms |= {strip_latin_accents(f) for f in forms}
    forms |= {f.replace("ß", "ss") for f in forms}
    forms |= {f.replace("'", "\u2019") for f in forms}  # l'exportation, l’exportation
    return {f for f in forms if f.strip()}


def _joint_variants(base: str) -> set[str]:
    pieces: list[str] = []
    joints: list[tuple[str, ...]] = []
    last = 0
    for match in _JOINT.finditer(base):
        pieces.append(base[last : match.start()])
        before = base[: match.start()]
        if match.group(0) == "":
            single_letter = len(re.search(r"[a-z]*$", before).group(0)) == 1  # type: ignore[union-attr]
            joints.append(("",) if single_letter else ("", " ", "-"))
        else:
            joints.append((" ", "-"))
        last = match.end()
    pieces.append(base[last:])
    if len(joints) > 6:  # pathological alias: keep it as written
        return {base}
    results = {pieces[0]}
    for joint_options, piece in zip(joints, pieces[1:], strict=True):
        results = {r + j + piece for r in results for j in joint_options}
    return results


# --------------------------------------------------------------------------- loading


@cache
def builtin_tables() -> dict[str, Any]:
    """The parsed built-in dictionary (``entities.toml`` beside this module)."""
    text = resources.files("chipwatch.entities").joinpath(DICTIONARY_FILE).read_text("utf-8")
    try:
        return parsed_toml("entities", text)
    except tomllib.TOMLDecodeError as exc:
        raise DictionaryError(f"{DICTIONARY_FILE}: invalid TOML: {exc}") from exc


@cache
def builtin_model_specs() -> tuple[ModelSpec, ...]:
    """The product families' model patterns of the built-in dictionary."""
    return model_specs_from_tables(builtin_tables(), DICTIONARY_FILE)


def model_specs_from_tables(tables: Mapping[str, Any], label: str) -> tuple[ModelSpec, ...]:
    """Every ``[[NAME.models]]`` table (see :mod:`chipwatch.entities.models`)."""
    specs: list[ModelSpec] = []
    for name, body in tables.items():
        if isinstance(body, dict) and "models" in body:
            try:
                specs += specs_from_table(name, body.get("kind", ""), body["models"], name)
            except ModelSpecError as exc:
                raise DictionaryError(f"{label}: {exc}") from exc
    for spec in specs:
        for need in spec.requires:
            if need not in tables and need not in ENTITY_KINDS:
                raise DictionaryError(f"{label}: {spec.family}.models.requires: unknown {need!r}")
    return tuple(specs)


def entities_from_tables(tables: Mapping[str, Any], label: str) -> dict[str, Entity]:
    """Build entities from dictionary tables (format documented in entities.toml)."""
    entities: dict[str, Entity] = {}
    for name, body in tables.items():
        where = f"{label}: [{name!r}]" if not name.isidentifier() else f"{label}: [{name}]"
        if not isinstance(body, dict):
            raise DictionaryError(f"{where}: must be a table")
        unknown = set(body) - _ENTITY_KEYS
        if unknown:
            raise DictionaryError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        kind = body.get("kind")
        if kind not in ENTITY_KINDS:
            raise DictionaryError(f"{where}: kind must be one of {', '.join(ENTITY_KINDS)}")
        aliases = tuple(_aliases(name, body))
        entities[name] = Entity(name=name, kind=kind, aliases=aliases, parent=body.get("parent"))
    return entities


def _aliases(name: str, body: Mapping[str, Any]) -> Iterator[Alias]:
    requires = tuple(body.get("requires", ()))
    gated = list(body.get("gated", ()))
    gated_exact = list(body.get("gated_exact", ()))
    exact = list(body.get("exact", ()))
    plain = list(body.get("aliases", ()))
    if name not in exact + gated + gated_exact:
        plain.insert(0, name)
    if (gated or gated_exact) and not requires:
        raise DictionaryError(f"[{name}]: gated aliases need 'requires'")
    seen: set[tuple[str, bool]] = set()
    groups = (
        (plain, False, ()),
        (exact, True, ()),
        (gated, False, requires),
        (gated_exact, True, requires),
    )
    for texts, case_sensitive, needs in groups:
        for text in texts:
            if (text, case_sensitive) not in seen:
                seen.add((text, case_sensitive))
                yield Alias(text=text, case_sensitive=case_sensitive, requires=needs)


def apply_user_entities(
    entities: dict[str, Entity], additions: Iterable[EntityConfig], label: str
) -> dict[str, Entity]:
    """Merge the user's ``[entities.NAME]`` tables into the built-in entities.

    A NAME that is a built-in entity (its canonical name, any case) gains the aliases,
    and may change kind or parent; a new NAME needs a ``kind``. ``requires`` gates the
    aliases given in that table.
    """
    merged = dict(entities)
    by_folded = {fold_key(name): name for name in merged}
    for item in additions:
        where = f"{label}: entities.{item.name}"
        existing = by_folded.get(fold_key(item.name))
        requires = tuple(item.requires)
        new_aliases = tuple(Alias(text=a, requires=requires) for a in item.aliases)
        if existing:
            old = merged[existing]
            merged[existing] = Entity(
                name=old.name,
                kind=item.kind or old.kind,
                aliases=old.aliases + new_aliases,
                parent=item.parent or old.parent,
            )
            continue
        if not item.kind:
            raise ConfigError(
                f"{where}: 'kind' is required for a new entity ({', '.join(ENTITY_KINDS)})"
            )
        own = () if requires else (Alias(text=item.name),)
        merged[item.name] = Entity(
            name=item.name,
            kind=item.kind,
            parent=item.parent,
            aliases=own + new_aliases + _gated_name(item, requires),
        )
        by_folded[fold_key(item.name)] = item.name
    touched = {by_folded[fold_key(item.name)] for item in additions}
    _canonical_references(merged, touched)
    check_references(merged, label)
    return merged


def _canonical_references(entities: dict[str, Entity], names: Iterable[str]) -> None:
    """Let users write ``parent``/``requires`` in any case or as an alias ("nvidia",
    "英伟达"): rewrite them to canonical names where one entity answers."""
    lookup: dict[str, str] = {}
    for entity in entities.values():
        for alias in entity.aliases:
            lookup.setdefault(fold_key(alias.text), entity.name)
    lookup.update({fold_key(name): name for name in entities})

    def canonical(name: str) -> str:
        if name in entities or name in ENTITY_KINDS:
            return name
        return lookup.get(fold_key(name), name)

    for name in names:
        old = entities[name]
        entities[name] = Entity(
            name=old.name,
            kind=old.kind,
            parent=canonical(old.parent) if old.parent else None,
            aliases=tuple(
                Alias(a.text, a.case_sensitive, tuple(canonical(r) for r in a.requires))
                for a in old.aliases
            ),
        )


def _gated_name(item: EntityConfig, requires: tuple[str, ...]) -> tuple[Alias, ...]:
    return (Alias(text=item.name, requires=requires),) if requires else ()


def check_references(entities: Mapping[str, Entity], label: str) -> None:
    """Every parent and every ``requires`` must name a known entity or kind."""
    names = set(entities)
    for entity in entities.values():
        if entity.parent and entity.parent not in names:
            raise DictionaryError(
                f"{label}: entities.{entity.name}.parent: unknown entity {entity.parent!r}"
            )
        for alias in entity.aliases:
            for need in alias.requires:
                if need not in names and need not in ENTITY_KINDS:
                    raise DictionaryError(
                        f"{label}: entities.{entity.name}.requires: {need!r} is neither an "
                        f"entity nor a kind ({', '.join(ENTITY_KINDS)})"
                    )


@dataclass(frozen=True, slots=True)
class Pattern:
    """One folded spelling the automaton looks for, and what it means."""

    entity: str
    kind: str
    alias: str
    case_sensitive: bool
    requires: tuple[str, ...]
    left_boundary: bool
    right_boundary: bool
    length: int


def is_word_char(char: str) -> bool:
    """Letters and digits of spaced scripts; CJK, kana and Hangul (from U+2E80) need no
    boundary. (Comparing the character is quicker than ``ord``: the tagger calls this.)"""
    return char.isalnum() and char < "\u2e80"


def patterns_for(entity: Entity) -> Iterator[tuple[str, Pattern]]:
    """(folded key, Pattern) for every spelling of every alias of ``entity``."""
    part_number = entity.kind == "chip"
    for alias in entity.aliases:
        for key in spelling_variants(alias.text, part_number=part_number):
            yield (
                key,
                Pattern(
                    entity=entity.name,
                    kind=entity.kind,
                    alias=alias.text,
                    case_sensitive=alias.case_sensitive,
                    requires=alias.requires,
                    left_boundary=is_word_char(key[0]),
                    right_boundary=is_word_char(key[-1]),
                    length=len(key),
                ),
            )
