"""Product families by pattern: a family declares how its models are written, and a
mention of any model creates that model on the fly with the family as parent.

A family entry in ``entities.toml`` carries one or more ``[[NAME.models]]`` tables:

    [[Ascend.models]]
    name = "Ascend {number}{suffix}"       # the canonical spelling of a model
    prefixes = ["Ascend", "昇腾", "昇騰"]   # family words written before the number
    number = "3"                           # digits: "3", "2-3", or "version" (3, 3.1)
    suffixes = ["PR", "DT", "C"]           # closed list, spelled as in names

``series`` (letters glued to the number: "H", "MI", "V") and ``alone = true`` let a
model stand without a family word ("H20E", "MI309"); ``requires`` gates those bare
forms (every form with ``gated = true``), ``cased = true`` wants family words written
with a capital ("Mate", never "mate"). A suffixed model's parent is its base model
("Ascend 950PR" → "Ascend 950" → "Ascend"). The number is read whole, so a version
boundary is exact: "V3.1" is not "V3", "H200" is not "H20". In a list after a model
("Ascend 950PR and 950DT", "昇腾960、970") further numbers of three digits or more are
models of the same family too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chipwatch.model import Alias, Entity

_MODEL_KEYS = {"name", "prefixes", "series", "number", "suffixes", "alone", "requires",
               "gated", "cased"}  # fmt: skip
_NUMBERS = {"version": r"\d{1,2}(?:\.\d{1,2})?"}
_JOINTS = ("", " ", "-")
# Between two models of a list: a comma, a slash or "and" in the languages read.
_LIST = re.compile(
    r"\s*(?:,|/|、|，|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\bor\b|\bou\b|\bo\b|"
    r"和|与|與|及|或|および|や|와|과)\s*"
)
_YEAR = re.compile(r"(?:19|20)\d\d$")
# How a list may go on after a model: what the tagger checks before reading on.
LIST_STARTS = (",", "/", "、", "，", "&", "和", "与", "與", "及", "或", "および", "や", "와", "과",
               " ,", " /", " &", " and ", " und ", " et ", " y ", " e ", " en ", " or ",
               " ou ", " o ")  # fmt: skip


class ModelSpecError(ValueError):
    """A ``models`` table of the dictionary is malformed (message names the key)."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """How the models of one family are written (see the module docstring)."""

    family: str
    kind: str
    name: str
    prefixes: tuple[str, ...]
    series: tuple[str, ...]
    number: str
    suffixes: tuple[str, ...]
    alone: bool
    requires: tuple[str, ...]
    gated: bool
    cased: bool

    @property
    def number_regex(self) -> str:
        if self.number in _NUMBERS:
            return _NUMBERS[self.number]
        low, _, high = self.number.partition("-")
        return rf"\d{{{low},{high or low}}}"

    @property
    def lists(self) -> bool:
        """Whether bare numbers after a model in a list are models too (3+ digits)."""
        return self.number not in _NUMBERS and int(self.number.partition("-")[0]) >= 3


def specs_from_table(family: str, kind: str, tables: Any, where: str) -> list[ModelSpec]:
    """The ``models`` tables of one dictionary entry (``where`` names it in errors)."""
    items = tables if isinstance(tables, list) else [tables]
    specs = []
    for number, body in enumerate(items):
        here = f"{where}.models[{number}]"
        if not isinstance(body, dict):
            raise ModelSpecError(f"{here}: must be a table")
        unknown = set(body) - _MODEL_KEYS
        if unknown:
            raise ModelSpecError(f"{here}: unknown key {sorted(unknown)[0]!r}")
        spec = ModelSpec(
            family=family,
            kind=kind,
            name=str(body.get("name", "")),
            prefixes=tuple(body.get("prefixes", ())),
            series=tuple(body.get("series", ("",))),
            number=str(body.get("number", "")),
            suffixes=tuple(body.get("suffixes", ())),
            alone=bool(body.get("alone", False)),
            requires=tuple(body.get("requires", ())),
            gated=bool(body.get("gated", False)),
            cased=bool(body.get("cased", False)),
        )
        _check(spec, here)
        specs.append(spec)
    return specs


def _check(spec: ModelSpec, where: str) -> None:
    if "{number}" not in spec.name:
        raise ModelSpecError(f"{where}.name: must contain {{number}}")
    if not re.fullmatch(r"version|\d(?:-\d)?", spec.number):
        raise ModelSpecError(f"{where}.number: '3', '2-3' or 'version', not {spec.number!r}")
    if not spec.prefixes and not spec.alone:
        raise ModelSpecError(f"{where}: needs prefixes, or alone = true")
    if spec.alone and not all(spec.series):
        raise ModelSpecError(f"{where}: a model written alone needs a series (e.g. 'H')")
    if (spec.alone or spec.gated) and not spec.requires:
        raise ModelSpecError(f"{where}: bare or gated models need 'requires'")


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class ModelHit:
    """A model found in folded text: its span, canonical name and base model."""

    start: int
    end: int
    name: str
    base: str | None  # the model without its suffix, when it has one
    gated: bool


class ModelMatcher:
    """One spec compiled: trigger keys for the automaton and a regex run at a trigger.

    The regexes run on folded text (NFKC, lower case), anchored where the trigger was
    found; a trigger is a family word or series followed by a digit, so the automaton
    reports a candidate only where a model may start.
    """

    def __init__(self, spec: ModelSpec, fold: Any, variants: Any) -> None:
        self.spec = spec
        self._series = {fold(s): s for s in spec.series}
        self._suffixes = {fold(s): s for s in spec.suffixes}
        prefixes = sorted({v for p in spec.prefixes for v in variants(p)}, key=len, reverse=True)
        self._prefixes = prefixes
        joint = "" if _closed(spec.series) else "[ -]?"
        named = [s for s in self._series if s]
        series = f"(?P<s>{_alternation(named)}){joint}" if named else "(?P<s>)"
        if "" in self._series and named:
            series = f"(?:{series})?"
        suffix = f"(?P<x>{_alternation(self._suffixes)})?" if self._suffixes else "(?P<x>)"
        body = f"{series}(?P<n>{spec.number_regex}){suffix}"
        self._prefixed = (
            re.compile(f"(?:{_alternation(prefixes)})[ -]?{body}") if prefixes else None
        )
        self._alone = re.compile(body) if spec.alone else None
        self._next = re.compile(f"(?P<n>{spec.number_regex}){suffix}")

    def triggers(self) -> Iterator[tuple[str, bool]]:
        """(folded key, written alone) pairs: where the automaton should stop."""
        for prefix in self._prefixes:
            for joint in _JOINTS:
                if prefix[-1] == " " and joint:
                    continue
                for series in self._series:
                    for digit in "0123456789":
                        yield prefix + joint + series + digit, False
                        if series and not _closed(self.spec.series):
                            yield prefix + joint + series + " " + digit, False
        if self.spec.alone:
            for series in self._series:
                for digit in "0123456789":
                    yield series + digit, True
                    if len(series) > 1:
                        yield series + " " + digit, True
                        yield series + "-" + digit, True

    def match(self, folded: str, start: int, alone: bool) -> list[ModelHit]:
        """The model written at ``start`` (and any listed after it), or none."""
        regex = self._alone if alone else self._prefixed
        if regex is None:
            return []
        found = regex.match(folded, start)
        if found is None:
            return []
        end = _end(folded, found.end(), found.group("x"))
        if end < 0:
            return []
        series = self._series.get(found.group("s") or "", "")
        gated = self.spec.gated or alone
        hits = [self._hit(start, end, series, found.group("n"), found.group("x"), gated)]
        while self.spec.lists and not alone:
            more = _LIST.match(folded, hits[-1].end)
            following = more and self._next.match(folded, more.end())
            if not following or _YEAR.match(following.group("n")):
                break
            end = _end(folded, following.end(), following.group("x"))
            if end < 0:
                break
            number, suffix = following.group("n"), following.group("x")
            hits.append(self._hit(following.start(), end, series, number, suffix, gated))
        return hits

    def _hit(
        self, start: int, end: int, series: str, number: str, suffix: str | None, gated: bool
    ) -> ModelHit:
        written = self._suffixes.get(suffix or "", "")
        name = self.name(series, number, written)
        base = self.name(series, number, "") if written else None
        return ModelHit(start, end, name, base, gated)

    def name(self, series: str, number: str, suffix: str) -> str:
        return self.spec.name.format(series=series, number=number, suffix=suffix).strip()

    def parse(self, folded_name: str) -> tuple[str, str | None] | None:
        """(canonical name, base name) when ``folded_name`` is one model of this family."""
        for alone in (False, True):
            hits = self.match(folded_name, 0, alone)
            if hits and hits[0].end == len(folded_name):
                return hits[0].name, hits[0].base
        return None


def _alternation(options: Mapping[str, str] | list[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


def _closed(series: tuple[str, ...]) -> bool:
    """A one-letter series is glued to its number ("H20", never "H 20": a bomber)."""
    return all(len(s) <= 1 for s in series)


def _end(folded: str, end: int, suffix: str | None) -> int:
    """The model's end after a word-boundary check (a plural "s" is part of it), or -1."""
    if end >= len(folded):
        return end
    char = folded[end]
    if not (char.isalnum() and char < "\u2e80"):
        return end
    if char == "s":  # a plural: "H20s", "H20Es"
        after = folded[end + 1 : end + 2]
        if not after or not (after.isalnum() and after < "\u2e80"):
            return end + 1
    return -1


def model_entity(spec: ModelSpec, name: str, parent: str) -> Entity:
    """A model created on the fly: its own name as its alias, below ``parent``."""
    return Entity(name=name, kind=spec.kind, aliases=(Alias(name),), parent=parent)
