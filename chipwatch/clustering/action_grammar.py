"""The event-action grammar (``actions.toml``): the taxonomy, word classes and rules.

This module loads and checks the data and compiles its words into the keys of one
automaton; :mod:`chipwatch.clustering.action_match` runs it over an article and
:mod:`chipwatch.clustering.actions` is the API. The file's own header documents the
format; docs/actions.md explains it with examples.

The grammar is shaped like the entity tagger's phrase grammar (docs/entities.md):
classes of words listed per language, rules joining classes with word gaps
(``GRANT ~4 LICENCE``). It is a separate copy on purpose: the clustering room may not
import the entities room (pyproject's layer contract), and its matches arrive as
:class:`~chipwatch.model.EntityMatch` values, the shared model type.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from chipwatch.builtcache import parsed_toml
from chipwatch.config import ConfigError
from chipwatch.matchfold import fold
from chipwatch.model import ENTITY_KINDS

GRAMMAR_FILE = "actions.toml"
# The languages of the entity dictionary. An article in another language (or "und")
# is read with every table: words of other languages simply do not occur in it.
LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "zh-Hans", "zh-Hant", "ja", "ko")
# Verb-final languages: modality, negation and a meeting frame follow the verb.
VERB_FINAL = frozenset({"ja", "ko"})
# Classes with a role rather than a rule: PLAN marks a plan or promise (modality),
# NEG a negation. Words of both are found in the same pass as every other word.
# IGNORE lists phrases whose words never count ("developing countries", "rule of law");
# SUBORD the words that open a subordinate clause ("after", "nachdem").
PLAN, NEG, IGNORE, SUBORD = "PLAN", "NEG", "IGNORE", "SUBORD"
FRAME_SCOPES = ("", "sentence", "following")
CJK = "\u2e80"
_GAP = re.compile(r"^(\^?)(~|\.\.|<<)(\d+)$")
_DIRECTION = {"~": 0, "..": 1, "<<": -1}  # either side, after, before
_ACTION_ID = re.compile(r"^[a-z]+(\.[a-z_]+)?$")
_ACTION_KEYS = {"label", "objects", "conflicts", "kin", "frame", "context"}
_RULE_KEYS = {"id", "action", "match", "negated", "not"}


class ActionGrammarError(ConfigError):
    """The action grammar is inconsistent (the message names the file and key)."""


@dataclass(frozen=True, slots=True)
class ActionClass:
    """One class of the taxonomy (``[action."licence.granted"]``)."""

    id: str
    label: str  # explanation wording: "licences granted"
    objects: tuple[str, ...]  # entity kinds its object may have, preferred first
    conflicts: frozenset[str]  # classes that are a different development of one object
    kin: frozenset[str]  # classes that often tell the same event in other words
    frame: str = ""  # "" | "sentence" | "following": which actions it frames
    context: bool = False  # whether the actions it frames become context


@dataclass(frozen=True, slots=True)
class WordClass:
    """Words (per language) and tagged entities (by name or kind) a rule refers to."""

    name: str
    words: Mapping[str, tuple[str, ...]]
    kinds: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ActionRule:
    """``match`` compiled: its terms (sets of class numbers) and the gaps between them."""

    id: str
    action: str
    text: str
    terms: tuple[frozenset[int], ...]
    # Per later term: (words at most, direction: 0 either side, 1 after, -1 before, and
    # whether counted from the anchor rather than the previous term)
    gaps: tuple[tuple[int, int, bool], ...]
    negated: str = ""  # what a negated match says ("" : nothing)
    negators: tuple[int, ...] = ()  # classes that negate it (``not``; NEG by default)
    # Per later term: the bit mask of its classes and the entity names and kinds that
    # also fill it (a quick test of whether the rule can match an article at all).
    needs: tuple[tuple[int, frozenset[str]], ...] = ()

    def may_match(self, present: int, tagged: set[str]) -> bool:
        """Whether every later term has a word (``present``, a class mask) or an entity."""
        for mask, fills in self.needs:  # a loop, not all(): called for most rules
            if not present & mask and fills.isdisjoint(tagged):
                return False
        return True


@dataclass(frozen=True)
class ActionGrammar:
    """The taxonomy, classes and rules, as loaded from the grammar file."""

    actions: Mapping[str, ActionClass]
    classes: tuple[WordClass, ...]
    rules: tuple[ActionRule, ...]
    generic: frozenset[str]  # entities never taken as an object (the verbs say them)
    index: Mapping[str, int]

    @property
    def anchors(self) -> dict[int, tuple[ActionRule, ...]]:
        """Anchor class number -> the rules anchored on it, in file order."""
        found: dict[int, list[ActionRule]] = {}
        for rule in self.rules:
            for number in sorted(rule.terms[0]):
                found.setdefault(number, []).append(rule)
        return {number: tuple(rules) for number, rules in found.items()}


# --------------------------------------------------------------------------- loading


@cache
def builtin_action_grammar() -> ActionGrammar:
    """The grammar shipped beside this module (parsed and checked once)."""
    text = resources.files("chipwatch.clustering").joinpath(GRAMMAR_FILE).read_text("utf-8")
    try:
        data = parsed_toml("actions", text)
    except tomllib.TOMLDecodeError as exc:
        raise ActionGrammarError(f"{GRAMMAR_FILE}: invalid TOML: {exc}") from exc
    return parse_action_grammar(data, GRAMMAR_FILE)


def parse_action_grammar(data: Mapping[str, Any], label: str) -> ActionGrammar:
    """Taxonomy, classes and rules from parsed TOML (``label`` names the file in errors)."""
    extra = set(data) - {"action", "class", "rule", "generic"}
    if extra:
        raise ActionGrammarError(f"{label}: unknown table {sorted(extra)[0]!r}")
    actions = _actions(data.get("action", {}), label)
    classes = [
        _word_class(name, body, f"{label}: class.{name}")
        for name, body in data.get("class", {}).items()
    ]
    for reserved in (PLAN, NEG):
        if reserved not in {c.name for c in classes}:
            raise ActionGrammarError(f"{label}: class.{reserved} is missing")
    index = {c.name: number for number, c in enumerate(classes)}
    rules = []
    seen: set[str] = set()
    for number, body in enumerate(data.get("rule", [])):
        rule = _rule(body, index, classes, actions, f"{label}: rule[{number}]")
        if rule.id in seen:
            raise ActionGrammarError(f"{label}: rule[{number}].id: {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    generic = data.get("generic", [])
    if not isinstance(generic, list):
        raise ActionGrammarError(f"{label}: generic must be a list of entity names")
    return ActionGrammar(actions, tuple(classes), tuple(rules), frozenset(generic), index)


def _actions(table: Any, label: str) -> dict[str, ActionClass]:
    if not isinstance(table, dict) or not table:
        raise ActionGrammarError(f"{label}: [action.ID] tables are missing")
    actions = {}
    for action_id, body in table.items():
        where = f"{label}: action.{action_id}"
        if not _ACTION_ID.match(action_id) or not isinstance(body, dict):
            raise ActionGrammarError(f"{where}: an id is family.outcome, a table follows it")
        if set(body) - _ACTION_KEYS:
            raise ActionGrammarError(
                f"{where}: unknown key {sorted(set(body) - _ACTION_KEYS)[0]!r}"
            )
        objects = tuple(body.get("objects", ()))
        if set(objects) - set(ENTITY_KINDS):
            raise ActionGrammarError(
                f"{where}.objects: unknown kind {sorted(set(objects) - set(ENTITY_KINDS))[0]!r}"
            )
        frame = str(body.get("frame", ""))
        if frame not in FRAME_SCOPES:
            raise ActionGrammarError(f"{where}.frame: one of 'sentence', 'following'")
        actions[action_id] = ActionClass(
            id=action_id,
            label=str(body.get("label", action_id)),
            objects=objects,
            conflicts=frozenset(body.get("conflicts", ())),
            kin=frozenset(body.get("kin", ())),
            frame=frame,
            context=bool(body.get("context", False)),
        )
    for action in actions.values():
        for key in ("conflicts", "kin"):
            unknown = sorted(getattr(action, key) - set(actions))
            if unknown:
                raise ActionGrammarError(
                    f"{label}: action.{action.id}.{key}: unknown action {unknown[0]!r}"
                )
    return _symmetric(actions)


def _symmetric(actions: dict[str, ActionClass]) -> dict[str, ActionClass]:
    """Conflicts and kinship hold both ways, whichever side the file lists them on."""
    out = {}
    for action_id, action in actions.items():
        conflicts = {a for a, other in actions.items() if action_id in other.conflicts}
        kin = {a for a, other in actions.items() if action_id in other.kin}
        out[action_id] = ActionClass(
            action.id,
            action.label,
            action.objects,
            action.conflicts | conflicts,
            action.kin | kin,
            action.frame,
            action.context,
        )
    return out


def _word_class(name: str, body: Any, where: str) -> WordClass:
    if not isinstance(body, dict):
        raise ActionGrammarError(f"{where}: must be a table")
    extra = set(body) - set(LANGUAGES) - {"kinds", "entities"}
    if extra:
        raise ActionGrammarError(f"{where}: unknown key {sorted(extra)[0]!r}")
    words = {}
    for lang in LANGUAGES:
        listed = body.get(lang, [])
        if not isinstance(listed, list) or not all(
            isinstance(w, str) and w.strip("*") for w in listed
        ):
            raise ActionGrammarError(f"{where}.{lang}: a list of words")
        if listed:
            words[lang] = tuple(listed)
    kinds = frozenset(body.get("kinds", ()))
    if kinds - set(ENTITY_KINDS):
        raise ActionGrammarError(
            f"{where}.kinds: unknown kind {sorted(kinds - set(ENTITY_KINDS))[0]!r}"
        )
    return WordClass(name, words, kinds, frozenset(body.get("entities", ())))


def _rule(
    body: Any,
    index: Mapping[str, int],
    classes: list[WordClass],
    actions: Mapping[str, ActionClass],
    where: str,
) -> ActionRule:
    if not isinstance(body, dict) or not {"id", "action", "match"} <= set(body):
        raise ActionGrammarError(f"{where}: needs id, action and match")
    if set(body) - _RULE_KEYS:
        raise ActionGrammarError(f"{where}: unknown key {sorted(set(body) - _RULE_KEYS)[0]!r}")
    for key in ("action", "negated"):
        value = body.get(key, "")
        if value and value not in actions:
            raise ActionGrammarError(f"{where}.{key}: unknown action {value!r}")
    parts = str(body["match"]).split()
    if not parts or len(parts) % 2 == 0:
        raise ActionGrammarError(f"{where}.match: TERM [GAP TERM ...], e.g. 'GRANT ~4 LICENCE'")
    terms: list[frozenset[int]] = []
    gaps = []
    for position, part in enumerate(parts):
        if position % 2:
            gap = _GAP.match(part)
            if not gap:
                raise ActionGrammarError(
                    f"{where}.match: {part!r} is not a gap (~N, ..N, <<N, ^~N, ^..N, ^<<N)"
                )
            gaps.append((int(gap.group(3)), _DIRECTION[gap.group(2)], gap.group(1) == "^"))
            continue
        names = part.split("|")
        unknown = [n for n in names if n not in index or n in (PLAN, NEG, IGNORE, SUBORD)]
        if unknown:
            raise ActionGrammarError(f"{where}.match: unknown class {unknown[0]!r}")
        terms.append(frozenset(index[n] for n in names))
    if any(classes[n].kinds or classes[n].entities or not classes[n].words for n in terms[0]):
        raise ActionGrammarError(f"{where}.match: the first term must be words")
    negators = []
    for name in body.get("not", [NEG]):
        if name not in index:
            raise ActionGrammarError(f"{where}.not: unknown class {name!r}")
        negators.append(index[name])
    needs = tuple(
        (
            sum({1 << n for n in term}),
            frozenset(x for n in term for x in classes[n].kinds | classes[n].entities),
        )
        for term in terms[1:]
    )
    return ActionRule(
        id=str(body["id"]),
        action=str(body["action"]),
        text=str(body["match"]),
        terms=tuple(terms),
        gaps=tuple(gaps),
        negated=str(body.get("negated", "")),
        negators=tuple(negators),
        needs=needs,
    )


# --------------------------------------------------------------------------- keys


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    out = []
    for char in text:
        if char.isascii() or char >= CJK:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        out.append(base or char)
    return "".join(out)


def word_spellings(word: str) -> set[str]:
    """Folded spellings of one listed word (its ``*`` marks removed): as written,
    without accents, ``ss`` for ``ß``, and either apostrophe."""
    base = fold(word.strip("*"))
    found = {base, _strip_accents(base), base.replace("ß", "ss")}
    for spelling in list(found):
        found.add(spelling.replace("'", "\u2019"))
        found.add(spelling.replace("\u2019", "'"))
    return {s for s in found if s}


def is_word_char(char: str) -> bool:
    """A letter or digit of a spaced script (CJK characters never need a boundary)."""
    return char.isalnum() and char < CJK
