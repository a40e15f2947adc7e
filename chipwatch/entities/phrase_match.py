"""Matching the phrase grammar (:mod:`chipwatch.entities.phrases`) in an article.

The tagger hands over the anchor words it found, in text order, and the entities it
tagged. For each anchor, its sentence is delimited; the words of the other terms of the
rules that may match are found there (the plan's
:class:`~chipwatch.entities.phrases.WordFinder`, one more automaton), tagged
entities join the classes that hold them ("to China", any chip), and each rule's terms
are chained within their gaps. Words are counted only between spans close enough to
matter: in spaced text a gap of N words holds at most N + 1 spaces; Chinese and
Japanese are read two characters a word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chipwatch.entities.data import is_word_char
from chipwatch.entities.match import ENTITY, KIND, Found
from chipwatch.entities.phrases import (
    _CHARS_PER_WORD,
    _LONGEST,
    CJK,
    Grammar,
    Plan,
    Rule,
    WordClass,
)
from chipwatch.timeutil import MONTH_ABBREVIATIONS


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
    entities: Sequence[Found],
    tagged: set[str],
) -> list[PhraseHit]:
    """Every rule of ``plan`` (from ``grammar``) that matches, at most once per anchor.

    ``anchors``: (start, end, classes) of the anchor words found (boundary-checked), in
    text order; ``entities``: the tagger's candidates (start, -length, pattern) of the
    entities tagged, and ``tagged`` their names and kinds. A rule is looked at in its anchor's sentence only:
    the other terms' words are found there, and words are counted only between spans
    close enough to matter.
    """
    sentences = _sentences(folded, anchors, plan.reach)
    distinct = _merged(sentences)
    several = len(distinct) > 1 or len(set(sentences)) > 1
    spans_of: dict[int, list[tuple[int, int]]] = {}
    finder = plan.finder
    for low, high in distinct:
        for number, words in finder.find(folded, low, high).items():
            spans_of.setdefault(number, []).extend(words)
    mask = 0
    for number in spans_of:
        mask |= 1 << number
    rules = [r for r in plan.rules if r.may_match(mask, tagged)]
    if not rules:
        return []
    inside = _inside(entities, distinct)
    _add_entities(grammar, rules, spans_of, folded, inside)
    terms: dict[frozenset[int], list[tuple[int, int]]] = {}
    hits: list[PhraseHit] = []
    for rule in rules:
        lists = []
        for term in rule.terms[1:]:
            spans = terms.get(term)
            if spans is None:
                spans = terms[term] = _term_spans(term, spans_of)
            if not spans:
                break
            lists.append(spans)
        else:
            used_until = -1
            for (start, end, found), bounds in zip(anchors, sentences, strict=True):
                if start < used_until or found.isdisjoint(rule.terms[0]):
                    continue
                if several and not all(_any_inside(s, bounds) for s in lists):
                    continue  # a term with nothing in the anchor's sentence
                chain = _chain(folded, [(start, end)], lists, rule.gaps, bounds)
                if chain:
                    first = min(s for s, _ in chain)
                    last = max(e for _, e in chain)
                    hits.append(PhraseHit(rule, first, last, tuple(chain)))
                    used_until = last
    return hits


def _merged(sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of text the sentences cover, sorted and without overlaps (anchors
    in one sentence, or windows of an unpunctuated text, share their stretch)."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(set(sentences)):
        if merged and low <= merged[-1][1]:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def _inside(entities: Sequence[Found], stretches: list[tuple[int, int]]) -> list[Found]:
    """The entities (in text order) that start in one of ``stretches`` (sorted, apart)."""
    found: list[Found] = []
    for low, high in stretches:
        for at in range(bisect.bisect_left(entities, (low,)), len(entities)):
            item = entities[at]
            if item[0] >= high:
                break
            found.append(item)
    return found


def _add_entities(
    grammar: Grammar,
    rules: Sequence[Rule],
    spans_of: dict[int, list[tuple[int, int]]],
    folded: str,
    entities: Sequence[Found],
) -> None:
    """Add to ``spans_of`` the tagged entities that belong to the rules' entity classes
    (in their context: "to China")."""
    numbers = {n for rule in rules for term in rule.terms[1:] for n in term}
    wanted = [(n, grammar.classes[n]) for n in sorted(numbers) if grammar.classes[n].has_entities]
    for number, word_class in wanted:
        names, kinds = word_class.entities, word_class.kinds
        found = [(s, s - n) for s, n, p in entities if p[KIND] in kinds or p[ENTITY] in names]
        if found and not word_class.anywhere:
            found = [(s, e) for s, e in found if _in_context(word_class, folded, s, e)]
        if found:
            merged = spans_of.setdefault(number, [])
            merged += found
            merged.sort()


def _term_spans(
    term: frozenset[int], spans_of: Mapping[int, list[tuple[int, int]]]
) -> list[tuple[int, int]]:
    """Sorted spans of a term: its classes' words and entities."""
    if len(term) == 1:
        return spans_of.get(next(iter(term)), [])
    return sorted({span for number in term for span in spans_of.get(number, ())})


def _sentences(
    folded: str, anchors: Sequence[tuple[int, int, frozenset[int]]], reach: int
) -> list[tuple[int, int]]:
    """The bounds of each anchor's sentence (within ``reach`` characters of it): after
    the last mark that ends one (a full stop after "U.S." or "Corp." does not; the line
    break between a title and its summary does), up to the next. ``str.find`` per mark:
    a regular expression scanning the same characters, or a translation of the text,
    took several times as long."""
    marks = _MARKS if folded.isascii() else _ALL_MARKS
    bounds = []
    for start, end, _ in anchors:
        low = max(0, start - reach)
        begin = low
        for mark in marks:
            at = folded.rfind(mark, begin, start)
            if at >= 0:
                begin = at + 1
        at = folded.rfind(". ", begin, start)
        while at >= 0 and _abbreviation(folded, at):
            at = folded.rfind(". ", begin, at)
        if at >= 0:
            begin = at + 2
        finish = min(len(folded), end + reach)
        for mark in marks:
            at = folded.find(mark, end, finish)
            if at >= 0:
                finish = at
        at = folded.find(". ", end, finish)
        while at >= 0 and _abbreviation(folded, at):
            at = folded.find(". ", at + 2, finish)
        bounds.append((begin, at if at >= 0 else finish))
    return bounds


# Marks that end a sentence, besides ". " (the CJK ones only in text that may hold them).
_MARKS = ("\n", "!", "?", ";")
_ALL_MARKS = (*_MARKS, "。", "！", "？", "；")


def _any_inside(spans: list[tuple[int, int]], bounds: tuple[int, int]) -> bool:
    at = bisect.bisect_left(spans, (bounds[0],))
    return at < len(spans) and spans[at][0] < bounds[1]


def _chain(
    folded: str,
    chain: list[tuple[int, int]],
    lists: list[list[tuple[int, int]]],
    gaps: tuple[tuple[int, bool, bool], ...],
    sentence: tuple[int, int],
) -> list[tuple[int, int]] | None:
    """``chain`` extended by one span of each later term, each within its gap of the
    previous one (or of the anchor) and inside ``sentence``, or None."""
    depth = len(chain) - 1
    if depth == len(lists):
        return chain
    limit, forward, from_anchor = gaps[depth]
    start, end = chain[0] if from_anchor else chain[-1]
    reach = _CHARS_PER_WORD * (limit + 1)
    spans = lists[depth]
    stop = min(sentence[1], end + reach)
    lowest = end if forward else max(sentence[0], start - reach - _LONGEST)
    for at in range(bisect.bisect_left(spans, (lowest,)), len(spans)):
        span = spans[at]
        if span[0] >= stop:
            break
        if span[0] >= end:
            low, high = end, span[0]
        elif span[1] <= start and not forward and span[0] >= sentence[0]:
            low, high = span[1], start
        else:
            continue
        if high - low > reach or span[1] > sentence[1] or span in chain:
            continue
        # A gap of N words holds N + 1 spaces at most; where it holds more than spaced
        # words (Chinese, Japanese), they are counted.
        if folded.count(" ", low, high) > limit + 1:
            continue
        gap = folded[low:high]
        if not gap.isascii() and max(gap) >= CJK and word_count(gap) > limit:
            continue
        found = _chain(folded, [*chain, span], lists, gaps, sentence)
        if found:
            return found
    return None


def _abbreviation(folded: str, at: int) -> bool:
    """Whether the full stop at ``at`` follows "U.S.", "Corp.", "Jan." or the like."""
    token = folded[folded.rfind(" ", max(0, at - 12), at) + 1 : at]
    return "." in token or token in _ABBREVIATIONS


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
        *MONTH_ABBREVIATIONS,
    ]
)


def _in_context(word_class: WordClass, folded: str, start: int, end: int) -> bool:
    if not (word_class.before or word_class.after):
        return True
    before = folded[max(0, start - 12) : start].rstrip()
    for word in word_class.before:
        if before.endswith(word):
            edge = len(before) - len(word) - 1
            if word[0] >= CJK or edge < 0 or not is_word_char(before[edge]):
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
