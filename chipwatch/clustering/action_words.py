"""Finding the action grammar's words in one pass: folding, keys and one automaton per language.

Every spelling of every word of the grammar is a key. An article is read with the
automaton of its language only (both Chinese scripts for Chinese, every table for an
unknown language), built on first use: a language's automaton holds about a tenth of
the keys, so it scans faster and reports no hit of another language's words. Hits are
leftmost-longest (no overlaps: far fewer hits than every occurrence); a key that holds
other keys ("export licence" holds "licence", "許可し" holds "許可") carries their
classes too, at their offsets, so no word is hidden by a longer one that starts with
it or contains it. Word boundaries are checked on the hits (Latin-script words need
them, Chinese, Japanese and Korean ones do not), and a stem reads to its word's end.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from itertools import accumulate

from chipwatch import __version__
from chipwatch.builtcache import BASE_SOURCES, build_key, cached
from chipwatch.clustering.action_grammar import (
    CJK,
    LANGUAGES,
    ActionGrammar,
    is_word_char,
    word_spellings,
)
from chipwatch.timeutil import MONTH_ABBREVIATIONS

ALL_LANGUAGES = (1 << len(LANGUAGES)) - 1
BIT = {lang: 1 << n for n, lang in enumerate(LANGUAGES)}
# A key's class at an offset: (class number, offset, length, left boundary, right
# boundary, stem: reads on to its word's end).
Info = tuple[int, int, int, bool, bool, bool]
Spans = dict[int, list[tuple[int, int]]]
Keys = dict[str, dict[tuple[int, bool, bool, bool], int]]
# What the built-in grammar's keys derive from: these files (the data and every module
# the scanner imports, tests/test_builtcache.py checks) and the version. Their bytes key
# the keys kept on disk (chipwatch.builtcache).
BUILT_FROM = (
    "clustering/action_drafts.py",
    "clustering/action_grammar.py",
    "clustering/action_match.py",
    "clustering/action_reading.py",
    "clustering/action_words.py",
    "clustering/actions.toml",
    *BASE_SOURCES,
)


def language_mask(lang: str) -> int:
    """The tables an article in ``lang`` is read with: its own (both Chinese scripts
    for any Chinese), or every table for a language the dictionary does not cover."""
    mask = _MASKS.get(lang)
    if mask is None:
        base = lang.split("-")[0].split("_")[0].lower()
        chinese = BIT["zh-Hans"] | BIT["zh-Hant"]
        mask = chinese if base == "zh" else BIT.get(base, ALL_LANGUAGES)
        if len(_MASKS) < 1024:  # feeds name few languages; a hostile one many
            _MASKS[lang] = mask
    return mask


_MASKS: dict[str, int] = {}


class WordScanner:
    """The grammar's words, compiled; :meth:`scan` finds them in folded text."""

    def __init__(self, grammar: ActionGrammar, ignore: int, *, builtin: bool = False) -> None:
        """``builtin``: ``grammar`` is the built-in one, whose keys are kept on disk."""
        # key -> {(class, left, right, stem): language bits}
        self._keys = (
            cached(
                "action-words", build_key([__version__], BUILT_FROM), lambda: _keys(grammar), _plain
            )
            if builtin
            else _keys(grammar)
        )
        # Each key's languages together: a language's automaton starts from its keys
        # alone (about a tenth), in the order of every key.
        self._key_bits = {key: _union(held.values()) for key, held in self._keys.items()}
        self._ignore = ignore
        self._by_mask: dict[int, tuple[Callable[[str], list[tuple[int, int, int]]], list[tuple[Info, ...]]]] = {}  # fmt: skip

    @property
    def size(self) -> int:
        """How many keys (spellings) the grammar has, over every language."""
        return len(self._keys)

    def _compiled(
        self, mask: int
    ) -> tuple[Callable[[str], list[tuple[int, int, int]]], list[tuple[Info, ...]]]:
        """The automaton of the languages in ``mask`` and each key's infos (built once)."""
        compiled = self._by_mask.get(mask)
        if compiled is not None:
            return compiled
        import ahocorasick_rs

        mine = [key for key, bits in self._key_bits.items() if bits & mask]
        own = {
            key: [(n, 0, len(key), left, right, stem)
                  for (n, left, right, stem), bits in self._keys[key].items() if bits & mask]
            for key in mine
        }  # fmt: skip
        keys = list(own)
        # Only the keys themselves are searched with it, here: an NFA builds ~5x faster
        # than a DFA and reports the same hits.
        every = ahocorasick_rs.AhoCorasick(
            keys, implementation=ahocorasick_rs.Implementation.NoncontiguousNFA
        )
        infos: list[tuple[Info, ...]] = []
        for key in keys:
            held = list(own[key])
            for inner, start, _ in every.find_matches_as_indexes(key, overlapping=True):
                if keys[inner] != key or start:
                    held += [(n, start, length, left, right, stem)
                             for n, _, length, left, right, stem in own[keys[inner]]]  # fmt: skip
            infos.append(tuple(dict.fromkeys(held)))
        search: Callable[[str], list[tuple[int, int, int]]] = _nothing
        if keys:
            search = ahocorasick_rs.AhoCorasick(
                keys,
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.DFA,
            ).find_matches_as_indexes
        self._by_mask[mask] = (search, infos)
        return search, infos

    def scan(self, folded: str, mask: int) -> Spans:
        """Class number -> sorted spans of its words in ``folded`` (languages of ``mask``)."""
        search, infos = self._compiled(mask)
        found: Spans = {}
        size = len(folded)
        for key, at, _ in search(folded):
            for number, offset, length, left, right, stem in infos[key]:
                start = at + offset
                if left and start:
                    before = folded[start - 1]
                    if before.isalnum() and before < CJK:
                        continue
                end = start + length
                if (right or stem) and end < size:
                    after = folded[end]
                    if after.isalnum() and after < CJK:
                        if right:
                            continue
                        end = _WORD_TAIL.match(folded, end).end()  # type: ignore[union-attr]
                spans = found.get(number)
                if spans is None:
                    found[number] = [(start, end)]
                elif spans[-1] != (start, end):
                    spans.append((start, end))
        for spans in found.values():
            if len(spans) > 1:
                spans.sort()
        ignored = found.pop(self._ignore, None)
        if ignored:
            drop_inside(found, ignored)
        return found


def _nothing(text: str) -> list[tuple[int, int, int]]:
    return []


def _keys(grammar: ActionGrammar) -> Keys:
    found: Keys = {}
    for number, word_class in enumerate(grammar.classes):
        for lang, words in word_class.words.items():
            for word in words:
                stem = word.endswith("*")
                for key in word_spellings(word):
                    left = not word.startswith("*") and is_word_char(key[0])
                    flags = (number, left, not stem and is_word_char(key[-1]), stem)
                    held = found.setdefault(key, {})
                    held[flags] = held.get(flags, 0) | BIT[lang]
    return found


def _plain(keys: Keys) -> bool:
    return type(keys) is dict and all(type(held) is dict for held in keys.values())


def _union(bits: Iterable[int]) -> int:
    total = 0
    for value in bits:
        total |= value
    return total


def drop_inside(found: Spans, ignored: list[tuple[int, int]]) -> None:
    """Drop the words that lie inside one of ``ignored`` (an IGNORE phrase such as
    "developing countries", a name such as "State Administration for Market Regulation").

    A word is inside one when, of those that start at or before it, the furthest
    reaching ends at or after it: one bisection per word, not a test per word and name."""
    if not ignored:
        return
    ordered = sorted(ignored)
    starts = [a for a, _ in ordered]
    reach = list(accumulate((b for _, b in ordered), max))
    low, high, after = starts[0], reach[-1], bisect.bisect_right
    for number, spans in list(found.items()):
        if spans[-1][0] < low or spans[0][0] > high:
            continue  # all before the first name or after the last one
        if len(spans) == 1:  # most classes have one word: no list built for it
            start, end = spans[0]
            if (i := after(starts, start)) and reach[i - 1] >= end:
                del found[number]
            continue
        kept = [s for s in spans if (i := after(starts, s[0])) == 0 or reach[i - 1] < s[1]]
        if len(kept) == len(spans):
            continue
        if kept:
            found[number] = kept
        else:
            del found[number]


_WORD_TAIL = re.compile(r"[^\W_\u2e80-\U0010ffff]*")


# --------------------------------------------------------------------------- sentences


class Sentences:
    """The sentences of one folded text, found in one pass: each ends at a mark (a line
    break, ! ? ; and CJK stops) or at a full stop before a space, not after "U.S.",
    "Corp.", "Jan.", an initial or an ordinal number. :meth:`of` is then a bisection
    (the matcher asks for the sentence of every anchor, object and lead)."""

    def __init__(self, folded: str) -> None:
        self._size = len(folded)
        self._ends: list[int] = []  # where each sentence's closing mark is
        self._next: list[int] = []  # where the sentence after it starts
        for at in _marks(folded):
            if folded[at] == "." and (
                not folded.startswith(" ", at + 1) or _abbreviation(folded, at)
            ):
                continue  # a full stop ends a sentence before a space, not after "U.S"
            self._ends.append(at)
            self._next.append(at + 2 if folded[at] == "." else at + 1)

    def of(self, at: int) -> tuple[int, int]:
        """The bounds of the sentence around offset ``at``: after the last end before it
        up to the next end at or after it (an offset right after a full stop's space
        starts a sentence; the space itself still closes the one before)."""
        i = bisect.bisect_left(self._ends, at)
        return (self._next[i - 1] if i else 0), (
            self._ends[i] if i < len(self._ends) else self._size
        )


def cjk_comma_free(folded: str, low: int, high: int) -> bool:
    """No full-width comma in ``folded[low:high]``: in Chinese it ends a clause (the
    Japanese 、 does not, always: "株、一時18%安" is one statement)."""
    return folded.find("\uff0c", low, high) < 0


def word_count(gap: str) -> int:
    """Words in a gap: spaced tokens with a letter or digit, plus CJK characters / 2."""
    if gap.isascii():
        return len(_ASCII_WORD.findall(gap))
    return len(_SPACED_WORD.findall(gap)) + (len(_CJK_CHAR.findall(gap)) + 1) // 2


_MARKS = "\n!?;."
_ALL_MARKS = _MARKS + "\u3002\uff01\uff1f\uff1b"


def _marks(folded: str) -> list[int]:
    """The offsets of every sentence mark and full stop, in order: ``str.find`` per
    mark (a text holds few; a regular expression over it cost more)."""
    found = []
    for mark in _MARKS if folded.isascii() else _ALL_MARKS:
        at = folded.find(mark)
        while at >= 0:
            found.append(at)
            at = folded.find(mark, at + 1)
    found.sort()
    return found


def _abbreviation(folded: str, at: int) -> bool:
    """Whether the full stop at ``at`` ends "U.S.", "Corp.", "Jan.", an initial or an
    ordinal number."""
    token = folded[folded.rfind(" ", max(0, at - 12), at) + 1 : at]
    if token.isdigit():  # an ordinal ("15. Mai", "3. Quartal"), not a year ("in 2025.")
        return len(token) <= 2
    return "." in token or token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


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
        "mrs",
        "dr",
        "st",
        "vs",
        "etc",
        "gov",
        "sen",
        "rep",
        "dept",
        *MONTH_ABBREVIATIONS,
    ]
)
_ASCII_WORD = re.compile(r"[^\sA-Za-z0-9]*[A-Za-z0-9]\S*")
_SPACED_WORD = re.compile(r"[^\s\w]*[^\W_\u2e80-\U0010ffff][^\s\u2e80-\U0010ffff]*")
_CJK_CHAR = re.compile(r"[^\W_\u0000-\u2e7f]")
