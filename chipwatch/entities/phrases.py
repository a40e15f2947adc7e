"""Policy terms by meaning: a small phrase grammar over word classes.

``phrases.toml`` defines word classes (restriction words, export words, sale
words, ... in every language the dictionary covers) and rules over them:

    [[rule]]
    id = "restrict-exports"
    entity = "export controls"
    match = "RESTRICT ~5 EXPORT"

A rule is terms joined by gaps. A term is a CLASS (or ``A|B``, either class); a class
may also hold tagged entities (``entities``, ``kinds``), optionally only where one of
its ``before`` words is written right before the entity ("to China", "对中国") or one of
its ``after`` words right after it ("中国向け"). A gap ``~N`` puts the next term within
N words of the previous one on either side; ``..N`` only after it; with a ``^``
(``^~N``, ``^..N``) the words are counted from the anchor instead. Every term must lie
in the same sentence. In Chinese and Japanese, which have no spaces, two characters
count as one word.

A rule's first term is its anchor: the anchors' words are keys of the tagger's
automaton, found in the same pass as every alias, and a rule is looked at only where
its anchor was found. The other terms' words are then found only around anchors
(one more automaton pass over that stretch), so frequent words such as "chips" or
"AI" cost nothing in articles without an anchor.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from chipwatch.builtcache import parsed_toml
from chipwatch.config import ConfigError
from chipwatch.entities.data import is_word_char, spelling_variants
from chipwatch.matchfold import fold

GRAMMAR_FILE = "phrases.toml"
# The eleven languages of the dictionary, and Ukrainian and Russian, which the press
# about export controls also uses.
LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "zh-Hans", "zh-Hant", "ja", "ko", "uk", "ru")
CJK = "\u2e80"
_GAP = re.compile(r"^(\^?)(~|\.\.)(\d+)$")
# Words before a full stop that do not end a sentence: "U.S.", "Corp.", "Inc.", "Jan."


class GrammarError(ConfigError):
    """The phrase grammar is inconsistent (the message names the file and key)."""


@dataclass(frozen=True, slots=True)
class WordClass:
    """A class of words (and optionally tagged entities) a rule can refer to."""

    name: str
    words: Mapping[str, tuple[str, ...]]  # language -> words ("restrict*" is a stem)
    entities: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    before: tuple[str, ...] = ()  # folded context words written right before an entity
    after: tuple[str, ...] = ()

    @property
    def has_entities(self) -> bool:
        return bool(self.entities or self.kinds)

    @property
    def anywhere(self) -> bool:
        """Whether its entities count without a context word."""
        return not (self.before or self.after)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: terms (each a set of class numbers) and the gaps between them."""

    id: str
    entity: str
    text: str
    terms: tuple[frozenset[int], ...]
    # Per later term: (words at most, must follow, measured from the anchor)
    gaps: tuple[tuple[int, bool, bool], ...]
    anchor: int = 0  # bit mask of the first term's classes
    # Per later term: the bit mask of its classes' words, and the entities and kinds
    # that also fill it (a quick test of whether the rule can match an article).
    needs: tuple[tuple[int, frozenset[str]], ...] = ()
    # Entities whose naming makes the rule moot: its own, and those of ``unless``.
    moot: frozenset[str] = frozenset()

    def may_match(self, words: int, tagged: set[str]) -> bool:
        """Whether every later term has a word (``words``: a mask of the classes found)
        or a tagged entity or kind (``tagged``: names and kinds) in the article."""
        return all(words & mask or not fills.isdisjoint(tagged) for mask, fills in self.needs)


@dataclass(frozen=True)
class Grammar:
    """Word classes and rules, as loaded from the grammar file."""

    classes: tuple[WordClass, ...]
    rules: tuple[Rule, ...]
    index: Mapping[str, int] = field(default_factory=dict)

    def for_entities(self, names: Iterable[str]) -> Grammar:
        """Only the rules whose entity is in ``names`` (a dictionary without it has none)."""
        known = set(names)
        return Grammar(self.classes, tuple(r for r in self.rules if r.entity in known), self.index)

    def possible(self, present: int) -> Plan | None:
        """The rules whose anchor is among the classes in ``present`` (a bit mask);
        None when there are none."""
        cache: dict[int, Plan | None] = self.__dict__.setdefault("_plans", {})
        if present in cache:
            return cache[present]
        rules = tuple(r for r in self.rules if present & r.anchor)
        plan = Plan(rules, _reach(rules), self.finder(rules), _moot_all(rules)) if rules else None
        if len(cache) < 4096:
            cache[present] = plan
        return plan

    @property
    def anchors(self) -> int:
        """The bit mask of every class a rule is anchored on."""
        return sum({1 << n for rule in self.rules for n in rule.terms[0]})

    def without(self, plan: Plan, named: set[str]) -> Plan | None:
        """``plan`` without the rules made moot by an entity in ``named`` (their own, or
        one of their ``unless``); None when none is left."""
        dropped = frozenset(r.id for r in plan.rules if not r.moot.isdisjoint(named))
        if not dropped:
            return plan
        cache: dict[tuple[Plan, frozenset[str]], Plan | None] = self.__dict__.setdefault(
            "_without", {}
        )
        key = (plan, dropped)
        if key not in cache:
            rules = tuple(r for r in plan.rules if r.id not in dropped)
            cache[key] = (
                Plan(rules, _reach(rules), self.finder(rules), _moot_all(rules)) if rules else None
            )
        return cache[key]

    def finder(self, rules: tuple[Rule, ...]) -> WordFinder:
        """The finder of the words of ``rules``' terms after their anchors (compiled on
        first use: there are only a few sets of rules)."""
        later = frozenset(n for rule in rules for term in rule.terms[1:] for n in term)
        finders: dict[frozenset[int], WordFinder] = self.__dict__.setdefault("_finders", {})
        found = finders.get(later)
        if found is None:
            found = finders[later] = WordFinder(self.classes, later)
        return found

    def words(self) -> Iterable[tuple[str, int]]:
        """(word as written, class number) for every word of an anchor class: the words
        the tagger's automaton looks for (the others are found around anchors)."""
        used = {n for rule in self.rules for n in rule.terms[0]}
        for number, word_class in enumerate(self.classes):
            if number in used:
                for words in word_class.words.values():
                    for word in words:
                        yield word, number


@dataclass(frozen=True, eq=False)
class Plan:
    """What to look for in an article, given the anchors it has: the rules, how far
    (in characters) from an anchor they may look, and the finder of their other words.
    Plans are made once per set of rules and compared by identity."""

    rules: tuple[Rule, ...]
    reach: int
    finder: WordFinder
    moot_all: frozenset[str] = frozenset()  # entities that make every rule moot


class WordFinder:
    """The words of some classes in a stretch of text: one more automaton, run only
    around anchors, and only for the classes of the rules that may match there."""

    def __init__(self, classes: Sequence[WordClass], numbers: Iterable[int]) -> None:
        from chipwatch.entities.automaton import Automaton

        infos: dict[str, list[tuple[int, bool, bool]]] = {}
        for number in sorted(set(numbers)):
            for word in (w for ws in classes[number].words.values() for w in ws):
                stem = word.endswith("*")
                for key in spelling_variants(word.rstrip("*"), part_number=False):
                    info = (number, is_word_char(key[0]), not stem and is_word_char(key[-1]))
                    if info not in infos.setdefault(key, []):
                        infos[key].append(info)
        self._keys = list(infos)
        self._infos = [tuple(infos[k]) for k in self._keys]
        self._automaton = Automaton(self._keys)

    def find(self, folded: str, low: int, high: int) -> dict[int, list[tuple[int, int]]]:
        """Class number -> sorted (start, end) of its words in ``folded[low:high]``; a
        stem ("restrict*") reads to the end of its word ("restrictions")."""
        found: dict[int, list[tuple[int, int]]] = {}
        size = len(folded)
        for key, start, end in self._automaton.find_longest(folded[low:high]):
            start += low
            end += low
            before = folded[start - 1] if start else " "
            after = folded[end] if end < size else " "
            joined_left = before.isalnum() and before < CJK
            joined_right = after.isalnum() and after < CJK
            taken = -1
            for number, left, right in self._infos[key]:
                if (left and joined_left) or (right and joined_right) or number == taken:
                    continue
                stop = word_end(folded, end) if joined_right else end
                found.setdefault(number, []).append((start, stop))
                taken = number
        return found


def word_end(folded: str, end: int) -> int:
    """Where the word running on at ``end`` ends (letters and digits of spaced scripts)."""
    tail = _WORD_TAIL.match(folded, end)  # never None: the pattern matches nothing too
    return end if tail is None else tail.end()


_WORD_TAIL = re.compile(r"[^\W_\u2e80-\U0010ffff]*")


def _moot_all(rules: Sequence[Rule]) -> frozenset[str]:
    return frozenset.intersection(*(r.moot for r in rules))


_CHARS_PER_WORD = 12  # no word in a gap is longer, on average (a space included)
_LONGEST = 64  # a longer span is an entity whose start lies further back


def _reach(rules: Sequence[Rule]) -> int:
    words = max(sum(limit + 1 for limit, _, _ in rule.gaps) for rule in rules)
    return _CHARS_PER_WORD * words + _LONGEST


# --------------------------------------------------------------------------- loading


@cache
def builtin_grammar() -> Grammar:
    """The grammar shipped beside this module (parsed and checked once)."""
    text = resources.files("chipwatch.entities").joinpath(GRAMMAR_FILE).read_text("utf-8")
    try:
        data = parsed_toml("phrases", text)
    except tomllib.TOMLDecodeError as exc:
        raise GrammarError(f"{GRAMMAR_FILE}: invalid TOML: {exc}") from exc
    return parse_grammar(data, GRAMMAR_FILE)


def parse_grammar(data: Mapping[str, Any], label: str) -> Grammar:
    """Classes and rules from parsed TOML (``label`` names the file in errors)."""
    classes = []
    for name, body in data.get("class", {}).items():
        classes.append(_word_class(name, body, f"{label}: class.{name}"))
    index = {c.name: number for number, c in enumerate(classes)}
    rules = []
    for number, body in enumerate(data.get("rule", [])):
        rule = _rule(body, index, f"{label}: rule[{number}]")
        if any(classes[n].has_entities or not classes[n].words for n in rule.terms[0]):
            raise GrammarError(f"{label}: rule[{number}].match: the first term must be words")
        needs = tuple(
            (sum({1 << n for n in term}),
             frozenset(x for n in term for x in classes[n].entities | classes[n].kinds))
            for term in rule.terms[1:]
        )  # fmt: skip
        rules.append(replace(rule, needs=needs))
    return Grammar(tuple(classes), tuple(rules), index)


def _word_class(name: str, body: Any, where: str) -> WordClass:
    if not isinstance(body, dict):
        raise GrammarError(f"{where}: must be a table")
    extra = set(body) - set(LANGUAGES) - {"entities", "kinds", "before", "after"}
    if extra:
        raise GrammarError(f"{where}: unknown key {sorted(extra)[0]!r}")
    words = {lang: tuple(body.get(lang, ())) for lang in LANGUAGES if lang in body}
    context = {}
    for side in ("before", "after"):
        table = body.get(side, {})
        if set(table) - set(LANGUAGES):
            raise GrammarError(f"{where}.{side}: unknown language {sorted(table)[0]!r}")
        context[side] = tuple(sorted({fold(w) for ws in table.values() for w in ws}))
    return WordClass(
        name=name,
        words=words,
        entities=frozenset(body.get("entities", ())),
        kinds=frozenset(body.get("kinds", ())),
        before=context["before"],
        after=context["after"],
    )


def _rule(body: Any, index: Mapping[str, int], where: str) -> Rule:
    if not isinstance(body, dict) or not {"id", "entity", "match"} <= set(body):
        raise GrammarError(f"{where}: needs id, entity and match")
    if set(body) - {"id", "entity", "match", "unless"}:
        extra = sorted(set(body) - {"id", "entity", "match", "unless"})[0]
        raise GrammarError(f"{where}: unknown key {extra!r}")
    parts = str(body["match"]).split()
    if len(parts) < 3 or len(parts) % 2 == 0:
        raise GrammarError(f"{where}.match: TERM GAP TERM [GAP TERM ...], e.g. 'A ~3 B'")
    terms, gaps = [], []
    for position, part in enumerate(parts):
        if position % 2:
            gap = _GAP.match(part)
            if not gap:
                raise GrammarError(f"{where}.match: {part!r} is not a gap (~N, ..N, ^~N, ^..N)")
            gaps.append((int(gap.group(3)), gap.group(2) == "..", gap.group(1) == "^"))
            continue
        names = part.split("|")
        unknown = [n for n in names if n not in index]
        if unknown:
            raise GrammarError(f"{where}.match: unknown class {unknown[0]!r}")
        terms.append(frozenset(index[n] for n in names))
    anchor = sum({1 << n for n in terms[0]})
    moot = frozenset([str(body["entity"]), *body.get("unless", ())])
    return Rule(
        str(body["id"]),
        str(body["entity"]),
        str(body["match"]),
        tuple(terms),
        tuple(gaps),
        anchor,
        moot=moot,
    )
