"""Policy terms by meaning: a small phrase grammar over word classes.

``entity_phrases.toml`` defines word classes (restriction words, export words, sale
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

import bisect
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from chipwatch.config import ConfigError
from chipwatch.feeds.entity_data import fold, is_word_char, spelling_variants

GRAMMAR_FILE = "entity_phrases.toml"
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
        """The rules whose anchor is among the classes in ``present`` (a bit mask), with
        the finder of their other words; None when there are none."""
        cache: dict[int, Plan | None] = self.__dict__.setdefault("_plans", {})
        if present in cache:
            return cache[present]
        rules = tuple(r for r in self.rules if present & r.anchor)
        plan = Plan(rules, self.finder(rules)) if rules else None
        if len(cache) < 4096:
            cache[present] = plan
        return plan

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
        the automaton looks for."""
        anchors = {n for rule in self.rules for n in rule.terms[0]}
        for number, word_class in enumerate(self.classes):
            if number in anchors:
                for words in word_class.words.values():
                    for word in words:
                        yield word, number


@dataclass(frozen=True)
class Plan:
    """What to look for in an article, given the anchors it has."""

    rules: tuple[Rule, ...]
    finder: WordFinder

    @property
    def reach(self) -> int:
        """How far (in characters) from an anchor its rules may look."""
        words = max(sum(limit + 1 for limit, _, _ in rule.gaps) for rule in self.rules)
        return _CHARS_PER_WORD * words + _LONGEST


# --------------------------------------------------------------------------- loading


@cache
def builtin_grammar() -> Grammar:
    """The grammar shipped beside this module (parsed and checked once)."""
    text = resources.files("chipwatch.feeds").joinpath(GRAMMAR_FILE).read_text("utf-8")
    try:
        data = tomllib.loads(text)
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
        rules.append(rule)
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
    if not isinstance(body, dict) or set(body) != {"id", "entity", "match"}:
        raise GrammarError(f"{where}: needs exactly id, entity and match")
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
    return Rule(
        str(body["id"]), str(body["entity"]), str(body["match"]), tuple(terms), tuple(gaps), anchor
    )


# --------------------------------------------------------------------------- matching


class WordFinder:
    """The words of one class in a stretch of text: an automaton per class, run only
    on the sentence around an anchor, and only for the classes its rules need."""

    def __init__(self, classes: Sequence[WordClass], numbers: Iterable[int]) -> None:
        from chipwatch.feeds.entity_automaton import Automaton

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
                stop = end
                while (
                    joined_right and stop < size and folded[stop].isalnum() and folded[stop] < CJK
                ):
                    stop += 1
                found.setdefault(number, []).append((start, stop))
                taken = number
        return found


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A rule that matched: its span (folded offsets) and the words that made it."""

    rule: Rule
    start: int
    end: int
    words: tuple[tuple[int, int], ...]


def find_phrases(
    grammar: Grammar,
    plan: Plan,
    folded: str,
    anchors: Sequence[tuple[int, int, frozenset[int]]],
    entities: Sequence[tuple[int, int, str, str]],
) -> list[PhraseHit]:
    """Every rule of ``plan`` (from ``grammar``) that matches, at most once per anchor.

    ``anchors``: (start, end, classes) of the anchor words found (boundary-checked), in
    text order; ``entities``: (start, end, entity, kind) of the entities tagged. The
    other terms' words are looked for only as far from the anchors as a rule reaches,
    and words are counted only between spans close enough to matter.
    """
    low = max(0, anchors[0][0] - plan.reach)
    high = min(len(folded), anchors[-1][1] + plan.reach)
    words = plan.finder.find(folded, low, high)
    spaced = _UNSPACED.search(folded, low, high) is None
    terms: dict[frozenset[int], list[tuple[int, int]]] = {}
    hits: list[PhraseHit] = []
    for rule in plan.rules:
        lists = []
        for term in rule.terms[1:]:
            spans = terms.get(term)
            if spans is None:
                spans = terms[term] = _term_spans(grammar, term, words, folded, entities)
            if not spans:
                break
            lists.append(spans)
        else:
            used_until = -1
            for start, end, classes in anchors:
                if start < used_until or classes.isdisjoint(rule.terms[0]):
                    continue
                chain = _chain(folded, [(start, end)], lists, rule.gaps, spaced)
                if chain:
                    low = min(s for s, _ in chain)
                    high = max(e for _, e in chain)
                    hits.append(PhraseHit(rule, low, high, tuple(chain)))
                    used_until = high
    return hits


def _term_spans(
    grammar: Grammar,
    term: frozenset[int],
    words: Mapping[int, list[tuple[int, int]]],
    folded: str,
    entities: Sequence[tuple[int, int, str, str]],
) -> list[tuple[int, int]]:
    """Sorted spans of a term: its classes' words, and the tagged entities that belong
    to them (in their context: "to China")."""
    found: list[tuple[int, int]] = []
    for number in term:
        found += words.get(number, ())
        word_class = grammar.classes[number]
        if word_class.has_entities:
            found += [
                (start, end)
                for start, end, entity, kind in entities
                if (entity in word_class.entities or kind in word_class.kinds)
                and (word_class.anywhere or _in_context(word_class, folded, start, end))
            ]
    return sorted(set(found)) if len(found) > 1 else found


def _chain(
    folded: str,
    chain: list[tuple[int, int]],
    lists: list[list[tuple[int, int]]],
    gaps: tuple[tuple[int, bool, bool], ...],
    spaced: bool,
) -> list[tuple[int, int]] | None:
    """``chain`` extended by one span of each later term, each within its gap of the
    previous one (or of the anchor) and in the same sentence, or None."""
    depth = len(chain) - 1
    if depth == len(lists):
        return chain
    limit, forward, from_anchor = gaps[depth]
    start, end = chain[0] if from_anchor else chain[-1]
    reach = _CHARS_PER_WORD * (limit + 1)
    spans = lists[depth]
    first = bisect.bisect_left(spans, (end if forward else start - reach - _LONGEST,))
    for at in range(first, len(spans)):
        span = spans[at]
        if span[0] >= end:
            if span[0] - end > reach:
                break
            low, high = end, span[0]
        elif span[1] <= start and not forward:
            low, high = span[1], start
        else:
            continue
        if high - low > reach or span in chain:
            continue
        # In spaced text a gap of N words holds N + 1 spaces; Chinese and Japanese
        # are read character by character.
        if spaced:
            if folded.count(" ", low, high) > limit + 1 or _ends_sentence(folded[low:high]):
                continue
        else:
            gap = folded[low:high]
            if _ends_sentence(gap) or word_count(gap) > limit:
                continue
        found = _chain(folded, [*chain, span], lists, gaps, spaced)
        if found:
            return found
    return None


_CHARS_PER_WORD = 16  # no word in a gap is longer, on average
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Han, kana
_LONGEST = 64  # a longer span is an entity whose start lies further back


def _ends_sentence(gap: str) -> bool:
    """Whether a sentence ends in ``gap`` (a full stop after "U.S." or "Corp." does not;
    the line break between a title and its summary does)."""
    if not _SENTENCE_ENDS.isdisjoint(gap):
        return True
    at = gap.find(". ")
    while at >= 0:
        token = gap[gap.rfind(" ", 0, at) + 1 : at]
        if "." not in token and token not in _ABBREVIATIONS:
            return True
        at = gap.find(". ", at + 2)
    return False


_SENTENCE_ENDS = frozenset("。！？!?;；\n")
# Words before a full stop that does not end a sentence (with a dot inside: "u.s.").
_ABBREVIATIONS = frozenset(
    [
        "corp",
        "inc",
        "co",
        "ltd",
        "llc",
        "plc",
        "bhd",
        "no",
        "nr",
        "mr",
        "ms",
        "dr",
        "st",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)


def _in_context(word_class: WordClass, folded: str, start: int, end: int) -> bool:
    if not (word_class.before or word_class.after):
        return True
    before = folded[max(0, start - 12) : start].rstrip()
    for word in word_class.before:
        if before.endswith(word):
            edge = len(before) - len(word) - 1
            if word[0] >= CJK or edge < 0 or not _is_word_char(before[edge]):
                return True
    after = folded[end : end + 6]
    return any(after.startswith(word) for word in word_class.after)


def word_count(gap: str) -> int:
    """Words in a gap: spaced tokens with a letter or digit, plus CJK characters / 2."""
    if gap.isascii():
        return len(_ASCII_WORD.findall(gap))
    return len(_SPACED_WORD.findall(gap)) + (len(_CJK_CHAR.findall(gap)) + 1) // 2


_ASCII_WORD = re.compile(r"[^\sA-Za-z0-9]*[A-Za-z0-9]\S*")
# A token of a spaced script (with a letter or digit below U+2E80), and a CJK character.
_SPACED_WORD = re.compile(r"[^\s\w]*[^\W_\u2e80-\U0010ffff][^\s\u2e80-\U0010ffff]*")
_CJK_CHAR = re.compile(r"[^\W_\u0000-\u2e7f]")


def _is_word_char(char: str) -> bool:
    return char.isalnum() and char < CJK
